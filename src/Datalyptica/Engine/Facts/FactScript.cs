using System.Text;
using Datalyptica.Engine.Transport;

namespace Datalyptica.Engine.Facts;

/// <summary>
/// One POSIX shell script per host per run (one round trip) that prints every fact a plan needs, one fact a line,
/// tab-separated and tagged by kind (<c>file\t/etc/x\tSHA\tMODE\tOWNER\tGROUP</c>). <see cref="FactParser"/> reads it.
/// Managed paths are prefixed with <c>root</c> (empty on real hosts; a temp folder in tests so nothing on the
/// test machine changes); host-wide facts (OS, container, dpkg, systemd, kernel) are never prefixed.
/// </summary>
public static class FactScript
{
    // Functions first, then one call per wanted item: the script grows linearly and stays readable in a log.
    // Processes are what it costs on the host (~50 for the OS base): f runs sha256sum and stat in one substitution
    // (set -- splits "HASH -" and "MODE USER GROUP"), and one awk reads every sysctl key.
    private const string Prelude = """
        R=__ROOT__
        LC_ALL=C; export LC_ALL
        f() { p="$R$1"; if [ -f "$p" ]; then set -- "$1" $(sha256sum < "$p"; stat -L -c '%a %U %G' "$p"); printf 'file\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$4" "$5" "$6"; elif [ -e "$p" ]; then printf 'file\t%s\tnotfile\n' "$1"; else printf 'file\t%s\tabsent\n' "$1"; fi; }
        d() { p="$R$1"; if [ -d "$p" ]; then printf 'dir\t%s\t%s\t%s\t%s\n' "$1" $(stat -L -c '%a %U %G' "$p"); else printf 'dir\t%s\tabsent\n' "$1"; fi; }
        l() { p="$R$1"; if [ -L "$p" ]; then printf 'link\t%s\t%s\n' "$1" "$(readlink "$p")"; else printf 'link\t%s\tabsent\n' "$1"; fi; }
        u() { r=no; if command -v systemctl >/dev/null 2>&1; then e=$(systemctl is-enabled "$1" 2>/dev/null); a=$(systemctl is-active "$1" 2>/dev/null); r=$(systemctl show -p NeedDaemonReload --value "$1" 2>/dev/null); fi; printf 'unit\t%s\t%s\t%s\t%s\n' "$1" "${e:-not-found}" "${a:-inactive}" "${r:-no}"; }
        g() { id="$1"; shift; ( eval "$1" ) >/dev/null 2>&1 </dev/null; printf 'guard\t%s\t%s\n' "$id" "$?"; }
        [ -r /etc/os-release ] && sed 's/^/os\t/' /etc/os-release
        c1=$(systemd-detect-virt -c 2>/dev/null); c2=no; [ -e /run/.containerenv ] && c2=yes; [ -e /.dockerenv ] && c2=yes
        c3=$(tr '\0' '\n' < /proc/1/environ 2>/dev/null | sed -n 's/^container=//p' | head -n 1)
        printf 'container\t%s\t%s\t%s\n' "${c1:-none}" "$c2" "${c3:-}"
        printf 'disk\t%s\n' "$(df -Pk "$R/" 2>/dev/null | awk 'NR==2 {print $4}')"

        """;

    public static RemoteCommand Build(FactQuery query, string root = "")
    {
        var sb = new StringBuilder(Prelude.Replace("__ROOT__", RemoteCommand.Quote(root)).Replace("\r", ""));
        var packages = query.Packages.Select(CheckName).ToList();
        if (packages.Count > 0)
            // db:Status-Status is "installed" only for a fully configured package; one call for all packages.
            sb.Append("command -v dpkg-query >/dev/null 2>&1 && dpkg-query -W -f='pkg\\t${Package}\\t${db:Status-Status}\\t${Version}\\n' ")
              .AppendJoin(' ', packages.Select(RemoteCommand.Quote)).Append(" 2>/dev/null\n");
        foreach (var path in query.Files) sb.Append("f ").Append(RemoteCommand.Quote(CheckPath(path))).Append('\n');
        foreach (var path in query.Directories) sb.Append("d ").Append(RemoteCommand.Quote(CheckPath(path))).Append('\n');
        foreach (var path in query.Links) sb.Append("l ").Append(RemoteCommand.Quote(CheckPath(path))).Append('\n');
        foreach (var unit in query.Units) sb.Append("u ").Append(RemoteCommand.Quote(CheckName(unit))).Append('\n');
        // Every key in one awk (what `sysctl -n` reads, from /proc/sys, one whole read per file: proc returns nothing
        // to a read at a non-zero offset, so the shell's byte-wise `read` cannot do it), instead of two processes a key.
        var keys = query.SysctlKeys.Select(CheckName).ToList();
        if (keys.Count > 0)
        {
            sb.Append("awk -v OFS='\t' 'BEGIN { for (i = 1; i < ARGC; i += 2) { p = \"/proc/sys/\" ARGV[i + 1]; v = \"\"; ")
              .Append("if ((getline v < p) > 0 && v != \"\") { gsub(/\t/, \" \", v); print \"sysctl\", ARGV[i], v } else print \"sysctl\", ARGV[i], \"absent\"; close(p) } }'");
            foreach (var key in keys) sb.Append(' ').Append(RemoteCommand.Quote(key)).Append(' ').Append(RemoteCommand.Quote(ProcSysPath(key)));
            sb.Append(" 2>/dev/null\n");
        }
        foreach (var (id, command) in query.Guards)
            sb.Append("g ").Append(RemoteCommand.Quote(CheckName(id))).Append(' ').Append(RemoteCommand.Quote(command)).Append('\n');
        sb.Append("printf 'end\\n'\n");
        return RemoteCommand.Shell(sb.ToString());
    }

    /// <summary>Second, optional round trip: the current content of files the plan will change, for the diff only.</summary>
    public static RemoteCommand FileContents(IEnumerable<string> paths, string root = "")
    {
        var sb = new StringBuilder($"R={RemoteCommand.Quote(root)}\n");
        foreach (var path in paths)
            sb.Append("p=").Append(RemoteCommand.Quote(CheckPath(path)))
              .Append("; if [ -f \"$R$p\" ]; then printf 'content\\t%s\\t%s\\n' \"$p\" \"$(base64 -w0 < \"$R$p\")\"; fi\n");
        return RemoteCommand.Shell(sb.ToString());
    }

    /// <summary>sysctl's own rule: a key with a slash is a path under /proc/sys as written, else its dots are slashes.</summary>
    public static string ProcSysPath(string key) => key.Contains('/') ? key.Trim('/') : key.Replace('.', '/');

    private static string CheckPath(string path) =>
        path.StartsWith('/') && !path.Any(c => c is '\n' or '\t' or '\0')
            ? path
            : throw new ArgumentException($"fact paths are absolute and hold no tab or newline: '{path}'", nameof(path));

    private static string CheckName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || "-_.@:+/".Contains(c))
            ? name
            : throw new ArgumentException($"not a valid package, unit, key or guard name: '{name}'", nameof(name));
}

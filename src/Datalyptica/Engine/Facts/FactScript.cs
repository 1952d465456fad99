using System.Text;
using Datalyptica.Contracts.Hosts;

namespace Datalyptica.Engine.Facts;

/// <summary>
/// One POSIX shell script per host per run (one round trip) that prints every fact a plan needs, one fact a line,
/// tab-separated and tagged by kind (<c>file\t/etc/x\tSHA\tMODE\tOWNER\tGROUP</c>). <see cref="FactParser"/> reads it.
/// Managed paths are prefixed with <c>root</c> (empty on real hosts; a temp folder in tests so nothing on the
/// test machine changes); host-wide facts (OS, container, dpkg, systemd, kernel) are never prefixed.
/// </summary>
public static class FactScript
{
    // Functions first, then the wanted items: the script grows linearly and stays readable in a log.
    // Processes are what it costs on the host (each fork+exec is a few ms on a loaded host), so items are batched:
    // F runs ONE stat and ONE sha256sum for every file and folder (an awk joins them), U ONE `systemctl show` for
    // every unit, and one awk reads every sysctl key: about a dozen processes for the OS base instead of ~50.
    private const string Prelude = """
        R=__ROOT__
        LC_ALL=C; export LC_ALL
        f() { p="$R$1"; if [ -f "$p" ]; then set -- "$1" $(sha256sum < "$p"; stat -L -c '%a %U %G' "$p"); printf 'file\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$4" "$5" "$6"; elif [ -e "$p" ]; then printf 'file\t%s\tnotfile\n' "$1"; else printf 'file\t%s\tabsent\n' "$1"; fi; }
        d() { p="$R$1"; if [ -d "$p" ]; then printf 'dir\t%s\t%s\t%s\t%s\n' "$1" $(stat -L -c '%a %U %G' "$p"); else printf 'dir\t%s\tabsent\n' "$1"; fi; }
        l() { p="$R$1"; if [ -L "$p" ]; then printf 'link\t%s\t%s\n' "$1" "$(readlink "$p")"; else printf 'link\t%s\tabsent\n' "$1"; fi; }
        F() {
          n=$#; k=f
          for p; do
            if [ "$p" = -- ]; then k=d; continue; fi
            case $p in *\\*) if [ $k = f ]; then f "$p"; else d "$p"; fi; continue ;; esac
            if [ $k = f ]; then
              if [ -f "$R$p" ]; then set -- "$@" "$R$p"; elif [ -e "$R$p" ]; then printf 'file\t%s\tnotfile\n' "$p"; else printf 'file\t%s\tabsent\n' "$p"; fi
            elif [ -d "$R$p" ]; then set -- "$@" "$R$p"; else printf 'dir\t%s\tabsent\n' "$p"; fi
          done
          shift $n; [ $# -gt 0 ] || return 0
          { stat -L --printf 'S\t%F\t%n\t%a\t%U\t%G\n' -- "$@"; sha256sum -- "$@"; } 2>/dev/null | awk -v r="$R" '
            BEGIN { FS = "\t"; lr = length(r) }
            /^S\t/ { p = substr($3, lr + 1); if ($2 == "directory") dm[p] = $4 "\t" $5 "\t" $6; else { fm[p] = $4 "\t" $5 "\t" $6; o[++n] = p }; next }
            { h[substr($0, 67 + lr)] = substr($0, 1, 64) }
            END { for (i = 1; i <= n; i++) { p = o[i]; printf "file\t%s\t%s\t%s\n", p, ((p in h) ? h[p] : "unreadable"), fm[p] }
                  for (p in dm) printf "dir\t%s\t%s\n", p, dm[p] }'
        }
        U() {
          command -v systemctl >/dev/null 2>&1 || { for x; do u "$x"; done; return 0; }
          systemctl show -p LoadState,UnitFileState,ActiveState,NeedDaemonReload -- "$@" 2>/dev/null | awk -v names="$*" '
            BEGIN { RS = ""; FS = "\n"; n = split(names, u, " ") }
            { l = ""; e = ""; a = ""; r = ""
              for (i = 1; i <= NF; i++) { j = index($i, "="); k = substr($i, 1, j - 1); v = substr($i, j + 1)
                if (k == "LoadState") l = v; else if (k == "UnitFileState") e = v; else if (k == "ActiveState") a = v; else if (k == "NeedDaemonReload") r = v }
              if (l == "not-found") e = "not-found"; else if (e == "" || e == "generated") e = "?"
              out[NR] = "unit\t" u[NR] "\t" e "\t" (a == "" ? "inactive" : a) "\t" (r == "" ? "no" : r) }
            END { if (NR != n) { print "RETRY"; exit } for (i = 1; i <= n; i++) print out[i] }' | {
            t=$(printf '\t')
            while IFS="$t" read -r kind name e a r; do
              if [ "$kind" = RETRY ]; then for x; do u "$x"; done; break; fi
              # is-enabled asks systemd-sysv-install for SysV scripts (UnitFileState says only "generated"): keep its answer.
              # (One difference from is-enabled: an alias name reports its target's state, not "alias".)
              if [ "$e" = "?" ]; then e=$(systemctl is-enabled "$name" 2>/dev/null); e=${e:-not-found}; fi
              printf 'unit\t%s\t%s\t%s\t%s\n' "$name" "$e" "$a" "$r"
            done; }
        }
        u() { r=no; if command -v systemctl >/dev/null 2>&1; then e=$(systemctl is-enabled "$1" 2>/dev/null); a=$(systemctl is-active "$1" 2>/dev/null); r=$(systemctl show -p NeedDaemonReload --value "$1" 2>/dev/null); fi; printf 'unit\t%s\t%s\t%s\t%s\n' "$1" "${e:-not-found}" "${a:-inactive}" "${r:-no}"; }
        g() { id="$1"; shift; ( eval "$1" ) >/dev/null 2>&1 </dev/null; printf 'guard\t%s\t%s\n' "$id" "$?"; }
        [ -r /etc/os-release ] && sed 's/^/os\t/' /etc/os-release
        c1=$(systemd-detect-virt -c 2>/dev/null); c2=no; [ -e /run/.containerenv ] && c2=yes; [ -e /.dockerenv ] && c2=yes
        # PID 1's container= only matters when systemd-detect-virt found none (FactParser.ParseContainer); skip 3 processes.
        c3=; [ "${c1:-none}" = none ] && c3=$(tr '\0' '\n' < /proc/1/environ 2>/dev/null | sed -n 's/^container=//p' | head -n 1)
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
        var files = query.Files.Select(CheckPath).ToList();
        var dirs = query.Directories.Select(CheckPath).ToList();
        if (files.Count + dirs.Count > 0)
            sb.Append("F ").AppendJoin(' ', files.Select(RemoteCommand.Quote)).Append(" --")
              .Append(dirs.Count > 0 ? " " : "").AppendJoin(' ', dirs.Select(RemoteCommand.Quote)).Append('\n');
        foreach (var path in query.Links) sb.Append("l ").Append(RemoteCommand.Quote(CheckPath(path))).Append('\n');
        var units = query.Units.Select(CheckName).ToList();
        if (units.Count > 0) sb.Append("U ").AppendJoin(' ', units.Select(RemoteCommand.Quote)).Append('\n');
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
        if (query.OwnershipRecords)
            // Shell builtins only (no process): one "owned LAYER" line per record, then one per entry, comments skipped.
            sb.Append("for x in \"$R\"").Append(Planning.Ownership.Folder).Append("/*.list; do [ -f \"$x\" ] || continue; n=${x##*/}; n=${n%.list}; ")
              .Append("printf 'owned\\t%s\\n' \"$n\"; while IFS= read -r y || [ -n \"$y\" ]; do case $y in ''|'#'*) continue ;; esac; ")
              .Append("printf 'owned\\t%s\\t%s\\n' \"$n\" \"$y\"; done < \"$x\"; done\n");
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

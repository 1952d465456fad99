using System.Globalization;
using System.Text;

namespace Datalyptica.Engine.Facts;

/// <summary>
/// Pure parsers for <see cref="FactScript"/> output. Garbage never throws: a line that cannot be read is kept in
/// <see cref="HostFacts.Unparsed"/> and the fact it was about keeps its defined absent value, so the plan errs on
/// the side of rewriting (idempotent) rather than skipping.
/// </summary>
public static class FactParser
{
    public static HostFacts Parse(string output)
    {
        var os = new Dictionary<string, string>(StringComparer.Ordinal);
        var packages = new Dictionary<string, PackageFact>(StringComparer.Ordinal);
        var files = new Dictionary<string, FileFact>(StringComparer.Ordinal);
        var dirs = new Dictionary<string, DirectoryFact>(StringComparer.Ordinal);
        var links = new Dictionary<string, LinkFact>(StringComparer.Ordinal);
        var units = new Dictionary<string, UnitFact>(StringComparer.Ordinal);
        var sysctl = new Dictionary<string, string>(StringComparer.Ordinal);
        var guards = new Dictionary<string, int>(StringComparer.Ordinal);
        var contents = new Dictionary<string, string>(StringComparer.Ordinal);
        var owned = new List<OwnedLine>();
        var unparsed = new List<string>();
        var container = ContainerInfo.None;
        long? disk = null;

        foreach (var rawLine in output.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0 || line == "end") continue;
            var f = line.Split('\t');
            var ok = f[0] switch
            {
                "os" when f.Length >= 2 => ParseOsLine(string.Join('\t', f[1..]), os),
                "container" when f.Length == 4 => Set(out container, ParseContainer(f[1], f[2], f[3])),
                "disk" when f.Length == 2 => f[1].Length == 0 || (long.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kb) && Set(out disk, (long?)kb)),
                "pkg" when f.Length == 4 && f[1].Length > 0 => Add(packages, f[1], new PackageFact(f[2] == "installed", f[2] == "installed" && f[3].Length > 0 ? f[3] : null)),
                "file" when f.Length == 3 && f[2] == "absent" => Add(files, f[1], FileFact.Absent),
                "file" when f.Length == 3 && f[2] == "notfile" => Add(files, f[1], FileFact.Absent with { NotARegularFile = true }),
                "file" when f.Length == 6 && IsSha256(f[2]) && IsMode(f[3]) => Add(files, f[1], new FileFact(true, f[2], NormalizeMode(f[3]), f[4], f[5])),
                "dir" when f.Length == 3 && f[2] == "absent" => Add(dirs, f[1], DirectoryFact.Absent),
                "dir" when f.Length == 5 && IsMode(f[2]) => Add(dirs, f[1], new DirectoryFact(true, NormalizeMode(f[2]), f[3], f[4])),
                "link" when f.Length == 3 => Add(links, f[1], f[2] == "absent" ? LinkFact.Absent : new LinkFact(true, f[2])),
                "unit" when f.Length is 4 or 5 && f[1].Length > 0 => Add(units, f[1], new UnitFact(f[2].Trim(), f[3].Trim()) { NeedsReload = f.Length == 5 && f[4].Trim() == "yes" }),
                "sysctl" when f.Length >= 3 && f[1].Length > 0 => (f.Length == 3 && f[2] == "absent") || Add(sysctl, f[1], NormalizeSysctl(string.Join(' ', f[2..]))),
                "guard" when f.Length == 3 && int.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var rc) => Add(guards, f[1], rc),
                "owned" when f.Length == 2 => AddTo(owned, new OwnedLine(f[1], null)),
                "owned" when f.Length > 2 => AddTo(owned, new OwnedLine(f[1], string.Join('\t', f[2..]))),
                "content" when f.Length == 3 && TryBase64(f[2], out var text) => Add(contents, f[1], text),
                _ => false,
            };
            if (!ok) unparsed.Add(line.Length > 200 ? line[..200] + "…" : line);
        }

        return new HostFacts
        {
            Os = os.Count == 0 ? OsRelease.Unknown : new OsRelease(
                os.GetValueOrDefault("ID", "unknown"), os.GetValueOrDefault("VERSION_ID", ""),
                os.GetValueOrDefault("PRETTY_NAME", os.GetValueOrDefault("ID", "unknown")),
                os.GetValueOrDefault("ID_LIKE", "").Split(' ', StringSplitOptions.RemoveEmptyEntries)),
            Container = container ?? ContainerInfo.None,
            Packages = packages, Files = files, Directories = dirs, Links = links, Units = units,
            Sysctl = sysctl, Guards = guards, FileContents = contents, Owned = owned, FreeDiskKb = disk, Unparsed = unparsed,
        };
    }

    /// <summary>systemd-detect-virt -c, /run/.containerenv (podman) or /.dockerenv, and PID 1's container= variable.</summary>
    public static ContainerInfo ParseContainer(string detectVirt, string containerEnvFile, string pid1Container)
    {
        detectVirt = detectVirt.Trim();
        if (detectVirt.Length > 0 && detectVirt != "none") return new ContainerInfo(true, detectVirt);
        if (pid1Container.Trim().Length > 0) return new ContainerInfo(true, pid1Container.Trim());
        if (containerEnvFile.Trim() == "yes") return new ContainerInfo(true, "container");
        return ContainerInfo.None;
    }

    /// <summary>One os-release line: KEY=value, value optionally double- or single-quoted.</summary>
    private static bool ParseOsLine(string line, Dictionary<string, string> into)
    {
        if (line.StartsWith('#') || line.Trim().Length == 0) return true;
        var eq = line.IndexOf('=');
        if (eq <= 0 || !line[..eq].All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_')) return false;
        var value = line[(eq + 1)..].Trim();
        if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0]) value = value[1..^1];
        into[line[..eq]] = value;
        return true;
    }

    /// <summary>Kernel values come back with tabs or runs of spaces between numbers; compare them as single spaces.</summary>
    public static string NormalizeSysctl(string value) =>
        string.Join(' ', value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));

    /// <summary>stat prints 644 or 2755; we compare four-digit octal (0644).</summary>
    public static string NormalizeMode(string mode) => mode.PadLeft(4, '0');

    private static bool IsSha256(string s) => s.Length == 64 && s.All(char.IsAsciiHexDigitLower);
    private static bool IsMode(string s) => s.Length is >= 1 and <= 4 && s.All(c => c is >= '0' and <= '7');

    private static bool TryBase64(string s, out string text)
    {
        text = "";
        var buffer = new byte[s.Length];
        if (!Convert.TryFromBase64String(s, buffer, out var n)) return false;
        text = Encoding.UTF8.GetString(buffer, 0, n);
        return true;
    }

    private static bool Add<T>(Dictionary<string, T> map, string key, T value) { map[key] = value; return true; }
    private static bool AddTo<T>(List<T> list, T value) { list.Add(value); return true; }
    private static bool Set<T>(out T field, T value) { field = value; return true; }
}

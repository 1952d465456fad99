using System.Text;
using System.Text.RegularExpressions;
using Datalyptica.Contracts;
using Datalyptica.Engine.Repository;
using AtomicFile = Datalyptica.IO.AtomicFile;

namespace Datalyptica.Sites;

/// <summary>
/// Writes the site's package pins (<see cref="PackagePins"/>) after an upgrade, so the site stays the record of what runs:
/// a new host installs the version the others run, and <c>repo build</c> keeps it. Only a block between two marker
/// comments in group_vars/all.yml is ever written (Ansible's blockinfile habit); the rest of the file, comments included,
/// is left byte for byte. A pin the operator wrote outside the block is never rewritten: the upgrade says what to change.
/// The file is read back through the site reader and put back as it was if the pins do not read as written.
/// </summary>
public static partial class PackagePinRecord
{
    public const string BeginMarker = "# BEGIN datalyptica_package_versions (written by `datalyptica upgrade`; edit the versions, keep the markers)";
    public const string EndMarker = "# END datalyptica_package_versions";

    /// <summary>Merges <paramref name="pins"/> into the site's pins and writes them; returns the file written.</summary>
    /// <exception cref="InvalidOperationException">The pins cannot be written safely; the message says what to write by hand.</exception>
    public static string Record(string siteDirectory, IReadOnlyDictionary<string, string> current, IReadOnlyDictionary<string, string> pins,
        Func<string, IReadOnlyDictionary<string, string>> readBack)
    {
        foreach (var (name, version) in pins)
            if (!SettingPatterns.DebianPackage.IsMatch(name) || !SettingPatterns.DebianVersion.IsMatch(version))
                throw new ArgumentException($"'{name}={version}' is not a Debian package pin", nameof(pins));
        var merged = new SortedDictionary<string, string>(current.ToDictionary(), StringComparer.Ordinal);
        foreach (var (name, version) in pins) merged[name] = version;
        var block = Block(merged);
        var byHand = $"set these in group_vars/all.yml by hand:\n{block}";

        var groupVars = Path.Combine(siteDirectory, "group_vars");
        if (Directory.Exists(Path.Combine(groupVars, "all")))
            throw new InvalidOperationException($"group_vars/all is a folder, and the upgrade writes only a marked block of group_vars/all.yml; {byHand}");
        var file = Path.Combine(groupVars, "all.yml");
        var before = File.Exists(file) ? File.ReadAllText(file) : null;
        if (before is not null && before.StartsWith("$ANSIBLE_VAULT;", StringComparison.Ordinal))
            throw new InvalidOperationException($"group_vars/all.yml is vault-encrypted as a whole, so the upgrade cannot add its block; {byHand}");

        string after;
        var begin = before?.IndexOf(BeginMarker, StringComparison.Ordinal) ?? -1;
        if (before is not null && begin >= 0)
        {
            var end = before.IndexOf(EndMarker, begin, StringComparison.Ordinal);
            if (end < 0) throw new InvalidOperationException($"group_vars/all.yml has the upgrade's begin marker but not its end marker ({EndMarker}); restore it, or {byHand}");
            var endOfLine = before.IndexOf('\n', end);
            after = before[..begin] + block + (endOfLine < 0 ? "" : before[(endOfLine + 1)..]);
        }
        else
        {
            if (before is not null && OwnKey().IsMatch(before))
                throw new InvalidOperationException($"group_vars/all.yml sets {PackagePins.SiteKey} itself, which the upgrade does not rewrite; {byHand}");
            after = (before is null or "" ? "" : before.EndsWith('\n') ? before + "\n" : before + "\n\n") + block;
        }

        Directory.CreateDirectory(groupVars);
        AtomicFile.Write(file, after);
        var read = readBack(siteDirectory);
        if (merged.Any(p => read.GetValueOrDefault(p.Key) != p.Value))
        {
            if (before is null) File.Delete(file);
            else AtomicFile.Write(file, before);
            throw new InvalidOperationException($"the pins written to group_vars/all.yml did not read back as written (another file or a host's vars override them), so the file was put back; {byHand}");
        }
        return file;
    }

    /// <summary>The marked block: one pin a line, the version in single quotes (an epoch's colon, or 7.0, is then never read as a number).</summary>
    public static string Block(IReadOnlyDictionary<string, string> pins)
    {
        var sb = new StringBuilder();
        sb.Append(BeginMarker).Append('\n').Append(PackagePins.SiteKey).Append(":\n");
        foreach (var (name, version) in pins.OrderBy(p => p.Key, StringComparer.Ordinal)) sb.Append("  ").Append(name).Append(": '").Append(version).Append("'\n");
        return sb.Append(EndMarker).Append('\n').ToString();
    }

    [GeneratedRegex(@"^datalyptica_package_versions\s*:", RegexOptions.Multiline)]
    private static partial Regex OwnKey();
}

using System.Text.RegularExpressions;
using Datalyptica.Contracts;
using Datalyptica.IO;
using Datalyptica.Model;

namespace Datalyptica.Sites;

/// <summary>
/// Writes one component's version into the site's <c>datalyptica_versions</c> mapping once `upgrade` moved every member
/// to it (an artifact component's version is that entry). Only the entry's line changes, in the file that sets the
/// mapping (init writes it in group_vars/all.yml), so the user's comments and layout stay; the value is single-quoted
/// (470 and 3.10 stay strings). The site is read back afterwards and the file put back if another file overrides it.
/// </summary>
public static partial class VersionRecord
{
    /// <summary>Records <paramref name="component"/> at <paramref name="version"/>; returns the file written.</summary>
    /// <param name="readBack">The component's version as the site reads after the write (null: the site no longer loads).</param>
    /// <exception cref="InvalidOperationException">It cannot be written safely; the message says what to write by hand.</exception>
    public static string Record(string siteDirectory, Site site, string component, string version, Func<string, string?> readBack)
    {
        if (!SettingPatterns.Token.IsMatch(component) || !SettingPatterns.ReleaseVersion.IsMatch(version))
            throw new ArgumentException($"'{component}: {version}' is not a component id and version");
        var byHand = $"set {SiteKeys.Versions}.{component}: '{version}' by hand (group_vars/all.yml)";
        var file = site.Var(SiteKeys.Versions)?.Source is { File: { Length: > 0 } declared }
            ? Path.IsPathRooted(declared) ? declared : Path.Combine(siteDirectory, declared)
            : Path.Combine(siteDirectory, "group_vars", "all.yml");
        var before = File.Exists(file) ? File.ReadAllText(file) : null;
        if (before is not null && before.StartsWith("$ANSIBLE_VAULT;", StringComparison.Ordinal))
            throw new InvalidOperationException($"{file} is vault-encrypted as a whole, so the upgrade cannot change one line of it; {byHand}.");
        var after = Edit(before ?? "", component, version) ?? throw new InvalidOperationException(
            $"{file} sets {SiteKeys.Versions} in a form the upgrade does not rewrite (not a block mapping of one entry a line); {byHand}.");

        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        AtomicFile.Write(file, after);
        string? read;
        try { read = readBack(siteDirectory); }
        catch (Exception e) when (e is InvalidOperationException or IOException) { read = null; }
        if (read == version) return file;
        if (before is null) File.Delete(file);
        else AtomicFile.Write(file, before);
        throw new InvalidOperationException($"{SiteKeys.Versions}.{component} written to {file} read back as {read ?? "(the site did not load)"}, not {version} " +
                                            $"(another file or a host's vars set it), so the file was put back; {byHand}.");
    }

    /// <summary>
    /// <paramref name="text"/> with the entry set: its line replaced, or added as the mapping's first entry, or a new
    /// mapping appended; null when the mapping is not a block mapping this can edit line by line.
    /// </summary>
    public static string? Edit(string text, string component, string version)
    {
        var lines = text.Split('\n').ToList();
        if (lines.Any(l => Inline().IsMatch(l))) return null;
        var header = lines.FindIndex(l => Header().IsMatch(l));
        var entry = $"{component}: '{version}'";
        if (header < 0)
        {
            var prefix = text.Length == 0 ? "" : text.EndsWith('\n') ? text : text + "\n";
            return $"{prefix}{SiteKeys.Versions}:\n  {entry}\n";
        }
        var headerIndent = Header().Match(lines[header]).Groups["indent"].Value.Length;
        string? entryIndent = null;
        for (var i = header + 1; i < lines.Count; i++)
        {
            var line = lines[i];
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')) continue;
            var indent = line.Length - line.TrimStart(' ').Length;
            if (indent <= headerIndent) break;
            entryIndent ??= line[..indent];
            if (indent != entryIndent.Length) continue;
            var key = EntryKey().Match(line[indent..]);
            if (!key.Success) return null;
            if (key.Groups["key"].Value.Trim('\'', '"') != component) continue;
            lines[i] = entryIndent + entry;
            return string.Join('\n', lines);
        }
        lines.Insert(header + 1, (entryIndent ?? new string(' ', headerIndent + 2)) + entry);
        return string.Join('\n', lines);
    }

    // The mapping's key alone on its line (a value or flow mapping after the colon is not edited).
    [GeneratedRegex(@"^(?<indent> *)datalyptica_versions:\s*(#.*)?$")]
    private static partial Regex Header();

    // The mapping written after the colon (a flow mapping, an alias, a tagged value): not edited line by line.
    [GeneratedRegex(@"^ *datalyptica_versions:[ \t]*[^\s#]")]
    private static partial Regex Inline();

    [GeneratedRegex(@"^(?<key>'[^']*'|""[^""]*""|[^\s:'""#][^:#]*?):(\s|$)")]
    private static partial Regex EntryKey();
}

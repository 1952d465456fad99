using System.Collections.Concurrent;
using Datalyptica.Diagnostics;
using Datalyptica.Model;
using Datalyptica.Profiles;
using Datalyptica.Secrets;
using Datalyptica.Sites;
using Datalyptica.Validation;

namespace Datalyptica.Tests.Sites;

/// <summary>
/// A built-in profile written to a temp folder with <see cref="SiteWriter"/>, edited as a user would edit
/// the YAML, then loaded and validated through the real path. Each profile is written (and its secrets
/// vault-encrypted) once per test run; every test works on its own copy. Deleted on dispose.
/// </summary>
internal sealed class SiteDir : IDisposable
{
    public static readonly Secret Password = new("pw");

    private sealed record Template(string Path, Site Site, IReadOnlyDictionary<string, Secret> Secrets);

    private static readonly ConcurrentDictionary<string, Lazy<Template>> Templates = new();
    // The folder names the test process that owns it: dl-site-tpl-PID-RANDOM.
    private static readonly string TemplateRoot = System.IO.Path.Combine(System.IO.Path.GetTempPath(),
        $"dl-site-tpl-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..12]}");

    static SiteDir()
    {
        // The test host is often killed rather than exited, so also sweep templates that earlier runs left behind: only
        // those whose process is gone (an age rule deleted the templates of a test run still going in another checkout).
        foreach (var stale in Directory.EnumerateDirectories(System.IO.Path.GetTempPath(), "dl-site-tpl-*").Where(OwnerIsGone))
            TryDelete(stale);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(TemplateRoot);
    }

    private static bool OwnerIsGone(string dir)
    {
        var parts = System.IO.Path.GetFileName(dir).Split('-');
        return parts.Length == 5 && int.TryParse(parts[3], out var pid) ? !Directory.Exists($"/proc/{pid}")
            : Directory.GetLastWriteTimeUtc(dir) < DateTime.UtcNow.AddHours(-1); // the old unnamed form
    }

    private static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private SiteDir(string path, Site site, IReadOnlyDictionary<string, Secret> secrets) => (Path, Site, Secrets) = (path, site, secrets);

    public string Path { get; }
    /// <summary>The expanded profile that was written.</summary>
    public Site Site { get; }
    /// <summary>The generated secret values that were vault-encrypted into group_vars/all.yml.</summary>
    public IReadOnlyDictionary<string, Secret> Secrets { get; }

    /// <summary>A fresh copy of the written profile (development by default).</summary>
    public static SiteDir Of(Profile? profile = null)
    {
        profile ??= BuiltInProfiles.Development;
        var template = Templates.GetOrAdd(profile.Name, name => new Lazy<Template>(() =>
        {
            var site = ProfileExpander.Expand(profile);
            var secrets = SiteWriter.GenerateSecrets(site);
            var dir = System.IO.Path.Combine(TemplateRoot, name);
            SiteWriter.Write(dir, site, secrets, Password, profile.Name);
            return new Template(dir, site, secrets);
        })).Value;
        var copy = NewTempPath();
        CopyDirectory(template.Path, copy);
        return new SiteDir(copy, template.Site, template.Secrets);
    }

    /// <summary>Writes a given site (not a cached template) into a fresh folder.</summary>
    public static SiteDir Write(Site site, IReadOnlyDictionary<string, Secret>? secrets = null, string? profile = null)
    {
        secrets ??= SiteWriter.GenerateSecrets(site);
        var dir = NewTempPath();
        SiteWriter.Write(dir, site, secrets, Password, profile);
        return new SiteDir(dir, site, secrets);
    }

    private static string NewTempPath() =>
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dl-site-" + Guid.NewGuid().ToString("N")[..12]);

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = System.IO.Path.Combine(to, System.IO.Path.GetRelativePath(from, file));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public string Full(string relative) => System.IO.Path.Combine(Path, relative);

    public List<string> Lines(string relative) => File.ReadAllLines(Full(relative)).ToList();

    private void Save(string relative, IEnumerable<string> lines) =>
        File.WriteAllText(Full(relative), string.Join('\n', lines) + "\n");

    private static int IndexOfSingle(List<string> lines, Func<string, bool> match, string what, string relative)
    {
        var hits = lines.Select((l, i) => (l, i)).Where(x => match(x.l)).Select(x => x.i).ToList();
        if (hits.Count != 1) throw new InvalidOperationException($"{relative}: expected exactly one line {what}, found {hits.Count}.");
        return hits[0];
    }

    /// <summary>Replaces the one line equal to <paramref name="line"/> (ignoring surrounding spaces, keeping its indent).</summary>
    public SiteDir Replace(string relative, string line, string replacement)
    {
        var lines = Lines(relative);
        var i = IndexOfSingle(lines, l => l.Trim() == line, $"'{line}'", relative);
        lines[i] = lines[i][..(lines[i].Length - lines[i].TrimStart().Length)] + replacement;
        Save(relative, lines);
        return this;
    }

    /// <summary>Inserts lines after the n-th (0-based) line equal to <paramref name="anchor"/> (exact, indent included).</summary>
    public SiteDir InsertAfter(string relative, string anchor, params string[] inserted) => InsertAfter(relative, anchor, 0, inserted);

    public SiteDir InsertAfter(string relative, string anchor, int occurrence, params string[] inserted)
    {
        var lines = Lines(relative);
        var hits = lines.Select((l, i) => (l, i)).Where(x => x.l == anchor).Select(x => x.i).ToList();
        if (hits.Count <= occurrence) throw new InvalidOperationException($"{relative}: no occurrence {occurrence} of '{anchor}'.");
        lines.InsertRange(hits[occurrence] + 1, inserted);
        Save(relative, lines);
        return this;
    }

    /// <summary>Lists <paramref name="host"/> under group <paramref name="group"/> in hosts.yml (as the group's last host).</summary>
    public SiteDir AddHostToGroup(string group, string host)
    {
        var lines = Lines("hosts.yml");
        var start = IndexOfSingle(lines, l => l == $"    {group}:", $"'    {group}:'", "hosts.yml");
        if (lines[start + 1] != "      hosts:") throw new InvalidOperationException($"group {group} has no hosts: block");
        var end = start + 2;
        while (end < lines.Count && lines[end].StartsWith("        ", StringComparison.Ordinal)) end++;
        lines.Insert(end, $"        {host}:");
        Save("hosts.yml", lines);
        return this;
    }

    public SiteDir RemoveHostFromGroup(string group, string host)
    {
        var lines = Lines("hosts.yml");
        var start = IndexOfSingle(lines, l => l == $"    {group}:", $"'    {group}:'", "hosts.yml");
        var i = start + 2;
        while (i < lines.Count && lines[i].StartsWith("        ", StringComparison.Ordinal) && lines[i] != $"        {host}:") i++;
        if (i >= lines.Count || lines[i] != $"        {host}:") throw new InvalidOperationException($"{host} is not in group {group}");
        lines.RemoveAt(i);
        Save("hosts.yml", lines);
        return this;
    }

    /// <summary>A host_vars file like the writer's, for a host added by hand.</summary>
    public SiteDir AddHostVars(string host, string address, int vcpu = 8, int ramGb = 32, int diskGb = 300) =>
        WriteFile($"host_vars/{host}.yml",
            $"ansible_host: {address}\ndatalyptica_disks:\n  - kind: ssd\n    mount: /data\n    size_gb: {diskGb}\n" +
            $"datalyptica_rack: rack1\ndatalyptica_ram_gb: {ramGb}\ndatalyptica_vcpu: {vcpu}\n");

    /// <summary>Appends lines at the end of a file.</summary>
    public SiteDir Append(string relative, params string[] appended)
    {
        var lines = Lines(relative);
        lines.AddRange(appended);
        Save(relative, lines);
        return this;
    }

    /// <summary>Removes the line equal to <paramref name="header"/> (exact, indent included) and every more-indented line below it.</summary>
    public SiteDir RemoveBlock(string relative, string header)
    {
        var lines = Lines(relative);
        var start = IndexOfSingle(lines, l => l == header, $"'{header}'", relative);
        var indent = header.Length - header.TrimStart().Length;
        var end = start + 1;
        while (end < lines.Count && lines[end].Length - lines[end].TrimStart().Length > indent) end++;
        lines.RemoveRange(start, end - start);
        Save(relative, lines);
        return this;
    }

    public SiteDir WriteFile(string relative, string content)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Full(relative))!);
        File.WriteAllText(Full(relative), content);
        return this;
    }

    public SiteLoadResult Load() => SiteLoader.Load(Path, () => Password);

    /// <summary>Loads and validates, as `datalyptica validate` does.</summary>
    public IReadOnlyList<Diagnostic> Validate()
    {
        var loaded = Load();
        loaded.Site.ShouldNotBeNull(string.Join("\n", loaded.Diagnostics));
        return SiteValidator.Validate(loaded.Site, loaded.Diagnostics);
    }

    /// <summary>The text of the line a finding points at.</summary>
    public string LineAt(SourceRef source)
    {
        source.Line.ShouldBeGreaterThan(0, $"finding at {source} has no line");
        var lines = Lines(source.File);
        source.Line.ShouldBeLessThanOrEqualTo(lines.Count, $"{source} is past the end of the file");
        return lines[source.Line - 1];
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

internal static class FindingAssertions
{
    /// <summary>
    /// Asserts there is a finding with <paramref name="code"/> that names the file, a line whose text contains
    /// <paramref name="lineContains"/>, the key, and a fix that mentions <paramref name="fixContains"/>; returns it.
    /// </summary>
    public static Diagnostic ShouldReport(this IReadOnlyList<Diagnostic> findings, SiteDir dir, string code, Severity severity,
        string file, string? key, string lineContains, string fixContains)
    {
        var all = string.Join("\n", findings);
        var matches = findings.Where(d => d.Code == code).ToList();
        matches.ShouldNotBeEmpty($"no {code} among:\n{all}");
        var d = matches.Count == 1 ? matches[0] : matches.FirstOrDefault(m => m.Source?.File == file) ?? matches[0];
        d.Severity.ShouldBe(severity, d.ToString());
        d.Source.ShouldNotBeNull(d.ToString());
        d.Source.File.ShouldBe(file, d.ToString());
        dir.LineAt(d.Source).ShouldContain(lineContains, Case.Sensitive, d.ToString());
        d.Key.ShouldBe(key, d.ToString());
        d.Message.ShouldNotBeNullOrWhiteSpace();
        d.Fix.ShouldNotBeNullOrWhiteSpace(d.ToString());
        d.Fix.ShouldContain(fixContains, Case.Sensitive, d.ToString());
        return d;
    }

    public static void ShouldBeClean(this IEnumerable<Diagnostic> findings, string because = "")
    {
        var bad = findings.Where(d => d.Severity != Severity.Info).ToList();
        bad.ShouldBeEmpty($"{because}\n{string.Join("\n", bad)}");
    }

    /// <summary>Only the findings a test expects: any other error or warning means the edit broke more than intended.</summary>
    public static void ShouldHaveNoOtherProblemsThan(this IEnumerable<Diagnostic> findings, params string[] codes)
    {
        var others = findings.Where(d => d.Severity != Severity.Info && !codes.Contains(d.Code)).ToList();
        others.ShouldBeEmpty(string.Join("\n", others));
    }
}

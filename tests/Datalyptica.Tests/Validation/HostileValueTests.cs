using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Diagnostics;
using Datalyptica.Tests.Sites;
using Datalyptica.Validation;

namespace Datalyptica.Tests.Validation;

/// <summary>
/// Site values are untrusted input. A corpus of hostile strings (shell metacharacters, quotes, backticks, newlines, NUL,
/// path climbs, option-looking words, a 100 KB string, Unicode look-alikes and invisible characters), each alone and
/// wrapped in the shapes settings take (a URL, an address, a duration, a number), is set for every declared setting at
/// once. validate must refuse every one for every setting, with the setting's key: a value no rule refuses could reach a
/// shell, a configuration file or a path.
/// </summary>
public sealed class HostileValueTests
{
    private static readonly string[] Payloads =
    [
        "$(id>/tmp/pwn)", "`id`", "a;id", "a&&id", "a|id", "a'b", "a\"b", "a\\b", "a b", "a\nslaveof 6.6.6.6 6379", "a\rb",
        "a\0b", "a\tb", "../../x", "-rf", "--help", "a\u202Eb", "a\u200Bb", "ａｂｃ", "аdmin", "a#b", "a=b", "${HOME}", "%{x}", "a,b",
        "{a: b}", "*", "a\u2028b", new string('a', 100_000),
    ];

    /// <summary>Each payload alone and inside the shapes patterns accept, so a prefix match cannot let it through.</summary>
    public static TheoryData<string> Corpus()
    {
        var data = new TheoryData<string>();
        foreach (var p in Payloads.Take(4)) foreach (var shape in Shapes) data.Add(shape(p));
        foreach (var p in Payloads) data.Add(p);
        return data;
    }

    private static readonly Func<string, string>[] Shapes =
    [
        p => "https://example.com/" + p, p => "https://example.com" + p, p => p + "@example.com", p => "ops" + p + "@example.com",
        p => "10.0.0.1" + p, p => "10.0.0.0/8," + p, p => "30d" + p, p => "1" + p, p => "s3.example.com:9000" + p, p => "/etc/ssl/" + p,
        p => "eth0" + p, p => "64MB" + p, p => "MkU3OEVBNTcwNTJENDM2Qk" + p,
    ];

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Validate_refuses_the_value_for_every_declared_setting(string hostile)
    {
        var keys = SettingTypeRule.Declared.Keys.Order(StringComparer.Ordinal).ToList();
        // Site files are refused above 4 MiB (DL560): long values go in batches of keys that stay well under it.
        var batch = Math.Max(1, 2_000_000 / Math.Max(1, hostile.Length));
        var accepted = keys.Chunk(batch).SelectMany(chunk => Accepted(chunk, hostile)).ToList();
        accepted.ShouldBeEmpty($"validate accepted {Show(hostile)} for: {string.Join(", ", accepted)}");
    }

    private static IEnumerable<string> Accepted(IReadOnlyList<string> keys, string hostile)
    {
        var yaml = YamlText.Write(keys.ToDictionary(k => k, _ => (object)hostile), header: null);
        using var dir = SiteDir.Of();
        // The written site already sets a few declared keys: drop those lines, so each key is set once, to the hostile value.
        var kept = dir.Lines("group_vars/all.yml").Where(l => !keys.Any(k => l.StartsWith(k + ":", StringComparison.Ordinal)));
        dir.WriteFile("group_vars/all.yml", string.Join('\n', kept) + "\n" + yaml);
        var loaded = dir.Load();
        loaded.Site.ShouldNotBeNull(string.Join("\n", loaded.Diagnostics));
        var refused = SiteValidator.Validate(loaded.Site, loaded.Diagnostics)
            .Where(d => d.Severity == Severity.Error && d.Key is not null).Select(d => d.Key!).ToHashSet(StringComparer.Ordinal);
        return keys.Where(k => !refused.Contains(k) && !SplitsIntoValidItems(k, hostile)).ToList();
    }

    /// <summary>The site's own keys (not declared settings): each line of the written site, and the key a refusal names.</summary>
    private static readonly (string Line, string Key)[] SiteKeyLines =
    [
        ("datalyptica_site_name: ", "datalyptica_site_name"), ("datalyptica_domain: ", "datalyptica_domain"),
        ("datalyptica_environment: ", "datalyptica_environment"), ("  region: ", "datalyptica_object_store.region"),
        ("  endpoint: ", "datalyptica_object_store.endpoint"), ("    warehouse: ", "datalyptica_object_store.buckets.warehouse"),
        ("  airflow: ", "datalyptica_versions.airflow"),
    ];

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Validate_refuses_the_value_for_the_site_keys(string hostile)
    {
        using var dir = SiteDir.Of();
        // JSON's string form is a YAML double-quoted scalar: every character escaped the way both read it.
        var scalar = System.Text.Json.JsonSerializer.Serialize(hostile);
        var lines = dir.Lines("group_vars/all.yml").Select(l => SiteKeyLines.FirstOrDefault(k => l.StartsWith(k.Line, StringComparison.Ordinal)) is { Line: { } prefix }
            ? prefix + scalar : l);
        dir.WriteFile("group_vars/all.yml", string.Join('\n', lines) + "\n");
        var loaded = dir.Load();
        var findings = loaded.Site is null ? loaded.Diagnostics : SiteValidator.Validate(loaded.Site, loaded.Diagnostics);
        var refused = findings.Where(d => d.Severity == Severity.Error && d.Key is not null).Select(d => d.Key!).ToHashSet(StringComparer.Ordinal);
        var accepted = SiteKeyLines.Select(k => k.Key).Where(k => !refused.Contains(k)).ToList();
        accepted.ShouldBeEmpty($"validate accepted {Show(hostile)} for: {string.Join(", ", accepted)}\n{string.Join("\n", findings)}");
    }

    /// <summary>
    /// A list setting written as one string is split on commas and spaces (chrony_servers: "a b" is two servers); when
    /// every item is one its declaration accepts, each reaches the file as its own checked word.
    /// </summary>
    private static bool SplitsIntoValidItems(string key, string hostile) =>
        SettingTypeRule.Declared[key] is ListSetting list && ListSetting.Items(hostile) is { Count: > 1 } items && items.All(i => list.Item?.Invoke(i) ?? false);

    private static string Show(string s) => s.Length > 40 ? $"a {s.Length:N0}-character string" : System.Text.Json.JsonSerializer.Serialize(s);
}

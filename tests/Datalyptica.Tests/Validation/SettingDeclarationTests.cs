using System.Globalization;
using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Engine.Planning;
using Datalyptica.Rendering;
using Datalyptica.Tests.Sites;
using Datalyptica.Validation;

namespace Datalyptica.Tests.Validation;

/// <summary>
/// Walks every declared setting (every component's, its port variables and the OS base's): a value of the wrong type and
/// one just outside the allowed range or values are refused by validate with the file, line and key; the boundary values
/// and the default are accepted, and a site validate accepts renders and builds its desired state without an exception.
/// The site is the development profile written to disk (every component, co-located), edited as a user would.
/// </summary>
public class SettingDeclarationTests
{
    private const string All = "group_vars/all.yml";

    public static IEnumerable<object[]> Refused() =>
        SettingTypeRule.Declared.Values.OrderBy(s => s.Key, StringComparer.Ordinal).SelectMany(RefusedValues)
            .Select(c => new object[] { c.Key, c.Yaml, c.Code });

    public static IEnumerable<object[]> Accepted() =>
        SettingTypeRule.Declared.Values.OrderBy(s => s.Key, StringComparer.Ordinal).SelectMany(AcceptedValues)
            .Select(c => new object[] { c.Key, c.Yaml });

    private static string Yaml(long n) => n.ToString(CultureInfo.InvariantCulture);
    private static string Yaml(decimal n) => n.ToString(CultureInfo.InvariantCulture);

    private static IEnumerable<(string Key, string Yaml, string Code)> RefusedValues(SettingSpec spec)
    {
        const string wrong = "DL550", outside = "DL551";
        switch (spec)
        {
            case IntSetting i:
                yield return (i.Key, "abc", wrong);
                yield return (i.Key, "[1, 2]", wrong);
                yield return (i.Key, Yaml(i.Min - 1), outside);
                if (i.Max < long.MaxValue) yield return (i.Key, Yaml(i.Max + 1), outside);
                break;
            case DecimalSetting d:
                yield return (d.Key, "abc", wrong);
                yield return (d.Key, Yaml(d.Min - 0.01m), outside);
                yield return (d.Key, Yaml(d.Max + 1), outside);
                break;
            case BoolSetting b:
                yield return (b.Key, "maybe", wrong);
                yield return (b.Key, "{a: 1}", wrong);
                break;
            case TextSetting t:
                yield return (t.Key, "{a: 1}", wrong);
                if (t.Pattern is not null || t.Accepts is not null) yield return (t.Key, "'bad value;'", outside);
                break;
            case ChoiceSetting c:
                yield return (c.Key, "{a: 1}", wrong);
                yield return (c.Key, "bogus", outside);
                break;
            case ListSetting l:
                yield return (l.Key, "{a: 1}", wrong);
                if (l.Item is not null) yield return (l.Key, "['bad value;']", outside);
                break;
            case StructuredSetting s:
                yield return (s.Key, "plain", wrong);
                break;
            case MapSetting m:
                yield return (m.Key, "plain", wrong);
                yield return (m.Key, "{'bad key;': '1.0'}", outside);
                yield return (m.Key, "{postgresql-16: 'bad value;'}", outside);
                break;
            default:
                throw new InvalidOperationException($"{spec.Key}: no refused cases for {spec.GetType().Name}; add them here");
        }
    }

    private static IEnumerable<(string Key, string Yaml)> AcceptedValues(SettingSpec spec)
    {
        switch (spec)
        {
            case IntSetting i:
                yield return (i.Key, Yaml(i.Min));
                yield return (i.Key, Yaml(i.Max));
                yield return (i.Key, $"'{Yaml(i.Default ?? i.Min)}'"); // a quoted number, as Jinja users write it
                break;
            case DecimalSetting d:
                yield return (d.Key, Yaml(d.Min));
                yield return (d.Key, Yaml(d.Max));
                break;
            case BoolSetting b:
                yield return (b.Key, "true");
                yield return (b.Key, "false");
                yield return (b.Key, "'yes'"); // Ansible's bool filter reads a quoted yes as true
                break;
            case ChoiceSetting c:
                foreach (var value in c.Values) yield return (c.Key, value);
                break;
            default:
                yield return (spec.Key, spec.Example ?? spec.DefaultText);
                break;
        }
    }

    [Fact]
    public void Every_setting_has_a_doc_a_type_and_a_value_the_tests_can_accept()
    {
        foreach (var spec in SettingTypeRule.Declared.Values)
        {
            spec.Doc.ShouldNotBeNullOrWhiteSpace(spec.Key);
            spec.TypeName.ShouldNotBeNullOrWhiteSpace(spec.Key);
            if (spec is TextSetting { Default: null } or ListSetting { Default: null } or StructuredSetting)
                spec.Example.ShouldNotBeNull($"{spec.Key} has no default: give it an Example the tests and the reference can use");
            if (spec.Example is not null)
                spec.Check(new YamlDotNet.Serialization.Deserializer().Deserialize<object?>(spec.Example))
                    .ShouldBeNull($"{spec.Key}: its own Example '{spec.Example}' is refused");
        }
    }

    [Fact]
    public void A_key_is_declared_by_one_component_only()
    {
        var owners = ComponentCatalog.All.SelectMany(c => c.Settings.Select(s => (s.Key, c.Id)))
            .Concat(OsBase.Settings.Select(s => (s.Key, Id: "os-base")))
            .GroupBy(x => x.Key).Where(g => g.Select(x => x.Item2).Distinct().Count() > 1).Select(g => g.Key).ToList();
        owners.ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void Validate_refuses_a_wrong_value_with_file_line_and_key(string key, string yaml, string code)
    {
        using var dir = SiteDir.Of();
        Set(dir, key, yaml);

        var findings = dir.Validate();

        var finding = findings.ShouldReport(dir, code, Severity.Error, All, key, key + ":", "set it to");
        finding.Fix.ShouldContain(SettingTypeRule.Declared[key].TypeName);
        findings.HasErrors().ShouldBeTrue();
    }

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Validate_accepts_the_boundaries_and_render_never_throws_on_an_accepted_site(string key, string yaml)
    {
        using var dir = SiteDir.Of();
        Set(dir, key, yaml);

        var loaded = dir.Load();
        loaded.Site.ShouldNotBeNull(string.Join("\n", loaded.Diagnostics));
        var findings = SiteValidator.Validate(loaded.Site, loaded.Diagnostics);

        findings.Where(d => d.Key == key && d.Code is "DL550" or "DL551").ShouldBeEmpty();
        // A cross-setting rule may still refuse a boundary (loop_wait 3600 > ttl); render only what validate accepts.
        if (findings.HasErrors()) return;
        var rendered = SiteRenderer.Render(loaded.Site);
        rendered.ShouldNotBeEmpty();
        DesiredStateBuilder.Build(loaded.Site, rendered, ArtifactCatalog.FromSite(loaded.Site)).ShouldNotBeEmpty();
    }

    [Fact]
    public void A_host_value_is_refused_at_its_host_vars_line()
    {
        using var dir = SiteDir.Of();
        var host = dir.Site.Hosts.First(h => h.Has(Datalyptica.Components.Redis.RedisComponent.Data)).Name;
        dir.Append($"host_vars/{host}.yml", "redis_maxmemory_mb: lots");

        var findings = dir.Validate();

        findings.ShouldReport(dir, "DL550", Severity.Error, $"host_vars/{host}.yml", "redis_maxmemory_mb", "redis_maxmemory_mb: lots", "an integer, 16..1048576 MB");
    }

    [Fact]
    public void A_site_wide_setting_set_for_a_group_is_reported_as_ignored()
    {
        using var dir = SiteDir.Of();
        dir.WriteFile("group_vars/postgresql.yml", "patroni_ttl: 30\n");

        var findings = dir.Validate();

        findings.ShouldReport(dir, "DL553", Severity.Warning, "group_vars/postgresql.yml", "patroni_ttl", "patroni_ttl: 30", "group_vars/all");
        findings.ShouldHaveNoOtherProblemsThan("DL553");
    }

    [Fact]
    public void A_version_that_is_not_a_release_number_is_refused_and_a_real_one_accepted()
    {
        using var dir = SiteDir.Of();
        dir.Append(All, "datalyptica_versions:", "  postgresql: sixteen", "  trino: '470'");

        var findings = dir.Validate();

        var d = findings.ShouldReport(dir, "DL552", Severity.Error, All, "datalyptica_versions.postgresql", "datalyptica_versions:", "16.2");
        d.Message.ShouldContain("'sixteen'");
        findings.Where(f => f.Code == "DL552").ShouldHaveSingleItem();
    }

    [Fact]
    public void Absent_synchronous_mode_means_synchronous_everywhere_it_is_read()
    {
        using var dir = SiteDir.Of();
        dir.RemoveBlock(All, dir.Lines(All).Single(l => l.StartsWith("patroni_synchronous_mode:", StringComparison.Ordinal)));
        var site = dir.Load().Site!;

        Datalyptica.Components.Patroni.PatroniSettings.Synchronous(site).ShouldBeTrue();
        var files = SiteRenderer.Render(site).SelectMany(h => h.Files).ToList();
        var patroni = files.Where(f => f.Path == "/etc/patroni/config.yml").ToList();
        patroni.ShouldNotBeEmpty();
        patroni.ShouldAllBe(f => f.Content.Contains("synchronous_mode: true"));
        // The alert that fires when no synchronous standby is left is rendered (it was not when the key was absent).
        files.Where(f => f.Path.StartsWith("/etc/prometheus/rules/", StringComparison.Ordinal)).Any(f => f.Content.Contains("alert: PatroniNoSyncStandby"))
            .ShouldBeTrue();
    }

    [Fact]
    public void Etcd_election_timeout_below_five_heartbeats_is_refused_at_the_value_that_was_set()
    {
        using var dir = SiteDir.Of();
        dir.Append(All, "etcd_election_timeout: 4999");

        var findings = dir.Validate();

        findings.ShouldReport(dir, "DL554", Severity.Error, All, "etcd_election_timeout", "etcd_election_timeout: 4999", "at least 5000 ms");
        findings.ShouldHaveNoOtherProblemsThan("DL554");
    }

    [Fact]
    public void A_value_from_an_encrypted_file_is_refused_without_being_shown()
    {
        var spec = SettingTypeRule.Declared["redis_maxmemory_mb"];
        var site = Datalyptica.Profiles.ProfileExpander.Expand(Datalyptica.Profiles.BuiltInProfiles.Development);
        site = site with
        {
            Vars = new Dictionary<string, Model.Setting>(site.Vars)
            {
                [spec.Key] = new("s3cr3t-value", new SourceRef("group_vars/all/vault.yml", 3)) { Sensitive = true },
            },
        };

        var finding = new SettingTypeRule().Check(site).ShouldHaveSingleItem();

        finding.Code.ShouldBe("DL550");
        finding.ToString().ShouldNotContain("s3cr3t-value");
    }

    /// <summary>Sets a top-level key of group_vars/all.yml, replacing the profile's own value (and its block) when it has one.</summary>
    private static void Set(SiteDir dir, string key, string yaml)
    {
        var existing = dir.Lines(All).SingleOrDefault(l => l.StartsWith(key + ":", StringComparison.Ordinal));
        if (existing is not null) dir.RemoveBlock(All, existing);
        dir.Append(All, $"{key}: {yaml}");
    }
}

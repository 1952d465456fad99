using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Profiles;
using Datalyptica.Rendering;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Prometheus;

/// <summary>
/// Every alert a site renders comes with its proof (AlertRule.Proof, declared beside the rule in its component's
/// folder), and `promtool test rules` runs each proof against the rendered rules file: on the proof's firing series
/// the alert is firing at its time, on its quiet series it is not. One promtool test file per alert, so each proof
/// has its own sample and evaluation interval.
/// </summary>
public sealed class AlertProofTests
{
    public static TheoryData<string> Profiles => ["production", "staging", "development", "lab"];

    private static RenderedSite Site(string profile) =>
        profile == "lab" ? RenderedSite.Of(BuiltInProfiles.Lab) : RenderedSites.ByName(profile);

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Every_alert_fires_on_its_proof_and_stays_quiet_on_the_healthy_series(string profile)
    {
        var site = Site(profile);
        var host = site.Site.HostsWith(PrometheusComponent.Server).First();
        var ctx = new RenderContext(new SiteIndex(site.Site), host);
        var groups = AlertRules.For(ctx, PrometheusRenderer.Jobs(ctx)).ToList();
        var rendered = site.Host(host.Name).Files.Where(f => f.Path.StartsWith(PrometheusRenderer.RulesDir + "/")).ToList();
        rendered.Select(f => f.Path).Order().ShouldBe(groups.Select(g => $"{PrometheusRenderer.RulesDir}/{g.File}.yml").Order());

        using var root = new HostRoot(rendered);
        var unproven = groups.SelectMany(g => g.Rules.Where(r => r.Proof is null).Select(r => $"{g.File}: {r.Name}")).ToList();
        unproven.ShouldBeEmpty("every alert declares the series it fires on and the ones it stays quiet on (AlertRule.Proof)");

        // One promtool file per rules file and interval (each file has one evaluation interval; promtool starts once per file).
        var tests = new List<string>();
        foreach (var (file, rules) in groups)
            foreach (var byInterval in rules.GroupBy(r => r.Proof!.Interval))
            {
                var path = Path.Combine(root.Path, $"test-{file}-{byInterval.Key}.yml");
                File.WriteAllText(path, TestFile(root.PathOf($"{PrometheusRenderer.RulesDir}/{file}.yml"), [.. byInterval]));
                tests.Add(path);
            }
        var cases = groups.Sum(g => g.Rules.Sum(r => r.Proof!.Quiet is null ? 1 : 2));
        cases.ShouldBeGreaterThan(60);
        var result = Tool.Run("promtool", ["test", "rules", .. tests]);
        result.ExitCode.ShouldBe(0, result.Output);
        result.Output.Split("SUCCESS").Length.ShouldBe(tests.Count + 1, result.Output);
    }

    /// <summary>A broken proof is caught: the quiet series given as the firing ones makes promtool fail.</summary>
    [Fact]
    public void A_proof_whose_firing_series_do_not_fire_fails()
    {
        var site = RenderedSites.Production;
        var host = site.Site.HostsWith(PrometheusComponent.Server).First();
        var ctx = new RenderContext(new SiteIndex(site.Site), host);
        var (file, rules) = AlertRules.For(ctx, PrometheusRenderer.Jobs(ctx)).Single(g => g.File == "etcd");
        var rule = rules.Single(r => r.Name == "EtcdNoLeader");
        using var root = new HostRoot(site.Host(host.Name).Files.Where(f => f.Path == $"{PrometheusRenderer.RulesDir}/{file}.yml").ToList());
        var path = Path.Combine(root.Path, "broken.yml");
        File.WriteAllText(path, TestFile(root.PathOf($"{PrometheusRenderer.RulesDir}/{file}.yml"), [rule with { Proof = rule.Proof! with { Fires = rule.Proof.Quiet! } }]));

        var result = Tool.Run("promtool", ["test", "rules", path]);
        result.ExitCode.ShouldNotBe(0);
        result.Output.ShouldContain("FAILED");
        result.Output.ShouldContain("EtcdNoLeader");
    }

    /// <summary>promtool's unit test file for rules' proofs (of one interval): each firing at At on Fires, not on Quiet.</summary>
    private static string TestFile(string rulesFile, IReadOnlyList<AlertRule> rules)
    {
        var interval = rules.Select(r => r.Proof!.Interval).Distinct().Single();
        object Case(AlertRule rule, IReadOnlyList<string> series, bool firing)
        {
            var selector = $"ALERTS{{alertname=\"{rule.Name}\",alertstate=\"firing\",severity=\"{rule.Severity}\"}}";
            return new Dictionary<string, object?>
            {
                ["name"] = $"{rule.Name} ({rule.Severity}) {(firing ? "fires" : "stays quiet")}",
                ["interval"] = interval,
                ["input_series"] = series.Select(s => new Dictionary<string, object?> { ["series"] = s[..s.LastIndexOf(' ')], ["values"] = s[(s.LastIndexOf(' ') + 1)..] }).ToList(),
                ["promql_expr_test"] = new[]
                {
                    new Dictionary<string, object?>
                    {
                        ["expr"] = firing ? $"count({selector}) > bool 0" : $"count({selector}) or vector(0)",
                        ["eval_time"] = rule.Proof!.At,
                        ["exp_samples"] = new[] { new Dictionary<string, object?> { ["labels"] = "{}", ["value"] = firing ? 1 : 0 } },
                    },
                },
            };
        }
        var cases = rules.SelectMany(r => r.Proof!.Quiet is { } quiet ? [Case(r, r.Proof.Fires, true), Case(r, quiet, false)] : new[] { Case(r, r.Proof.Fires, true) }).ToList();
        return YamlText.Write(new Dictionary<string, object?>
        {
            ["rule_files"] = new[] { rulesFile },
            ["evaluation_interval"] = interval,
            ["tests"] = cases,
        }, "alert proofs");
    }
}

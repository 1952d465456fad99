using System.Buffers.Binary;
using System.Net;
using System.Text.RegularExpressions;
using Datalyptica.Components;
using Datalyptica.Components.OsBaseLayer;
using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Health;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Diagnostics;
using Datalyptica.Model;
using Datalyptica.Rendering;
using Datalyptica.Tests.Sites;
using Datalyptica.Tests.Verification;
using static Datalyptica.Contracts.AlertRule;

namespace Datalyptica.Tests.Components;

/// <summary>
/// A component declared through the contract alone (one class per part, as a component folder would hold them), put
/// into a catalog with <see cref="ComponentCatalog.Use"/>: validate checks its settings, render writes its files, the
/// firewall opens its port to its callers only, Prometheus scrapes it and loads its alerts, and verify runs its probe.
/// Each check also runs without the sample in the catalog and must then not see it, so none can pass by accident.
/// </summary>
public sealed class SampleComponentTests
{
    private static readonly SampleComponent Sample = new();

    private static IDisposable WithSample() => ComponentCatalog.Use([.. ComponentCatalog.BuiltIn, Sample]);

    private static SiteDir SiteWithSample() => SiteDir.Of()
        .Append("hosts.yml", "    sample:", "      hosts:", "        app01:", "        app02:");

    [Fact]
    public void Validate_checks_the_sample_settings_by_their_declarations()
    {
        using var dir = SiteWithSample().Append("group_vars/all.yml", "sample_port: eighty", "sample_workers: 0");
        using (WithSample())
        {
            var findings = dir.Validate();
            findings.ShouldReport(dir, FindingCodes.SettingWrongType.Code, Severity.Error, "group_vars/all.yml", "sample_port", "eighty", "1..65535");
            findings.ShouldReport(dir, FindingCodes.SettingOutOfRange.Code, Severity.Error, "group_vars/all.yml", "sample_workers", "sample_workers: 0", "1");
            findings.ShouldNotContain(d => d.Key == "sample_port" && d.Code == FindingCodes.UnknownVariable.Code);
        }
        // Outside the scope nobody declares them: the same lines are unknown variables, not typed settings.
        var without = dir.Validate();
        without.ShouldNotContain(d => d.Code == FindingCodes.SettingWrongType.Code && d.Key == "sample_port");
        without.ShouldContain(d => d.Code == FindingCodes.UnknownVariable.Code && d.Key == "sample_port");
    }

    [Fact]
    public void Render_writes_its_files_opens_its_port_to_its_callers_and_prometheus_scrapes_it()
    {
        using var dir = SiteWithSample().Append("group_vars/all.yml", "sample_port: 7788", "sample_greeting: hello-from-site");
        using (WithSample())
        {
            var findings = dir.Validate();
            findings.Where(d => d.Severity == Severity.Error).ShouldBeEmpty(string.Join("\n", findings));
            var site = dir.Load().Site!;
            var hosts = SiteRenderer.Render(site);

            var app01 = hosts.Single(h => h.Host.Name == "app01");
            var config = app01.Files.Single(f => f.Path == SampleComponent.ConfigPath);
            config.Content.ShouldContain("listen = 7788");
            config.Content.ShouldContain("greeting = hello-from-site");
            config.Owner.ShouldBe("root");
            config.Group.ShouldBe(SampleComponent.User);
            hosts.Where(h => h.Files.Any(f => f.Path == SampleComponent.ConfigPath)).Select(h => h.Host.Name).Order()
                .ShouldBe(["app01", "app02"]);

            // nftables on a sample host: 7788 open to the Prometheus hosts (its only declared callers), nowhere else.
            var prometheusHosts = site.HostsWith(PrometheusComponent.Server).Select(h => h.Address.ToString()).Order(StringComparer.Ordinal).ToList();
            prometheusHosts.ShouldNotBeEmpty();
            var nft = app01.Files.Single(f => f.Path == Nftables.ConfigPath).Content;
            var rule = nft.Split('\n').Single(l => l.Contains("tcp dport 7788 "));
            var set = Regex.Match(rule, @"ip saddr @(\S+) accept").Groups[1].Value;
            SetAddresses(nft, set).ShouldBe(prometheusHosts, $"{rule}\n{nft}");

            // Prometheus: a job for the sample hosts on the configured port, and the alert rules file.
            var prometheus = hosts.First(h => h.Host.Has(PrometheusComponent.Server));
            var config2 = prometheus.Files.Single(f => f.Path == PrometheusRenderer.ConfigPath).Content;
            config2.ShouldContain("job_name: sample");
            config2.ShouldContain($"{site.Hosts.Single(h => h.Name == "app01").Address}:7788");
            prometheus.Files.Single(f => f.Path == $"{PrometheusRenderer.RulesDir}/sample.yml").Content.ShouldContain("SampleDown");
        }

        // Without the sample in the catalog the same site renders none of it.
        var plain = SiteRenderer.Render(dir.Load().Site!);
        plain.SelectMany(h => h.Files).ShouldNotContain(f => f.Path == SampleComponent.ConfigPath || f.Content.Contains("dport 7788") || f.Content.Contains("job_name: sample"));
    }

    /// <summary>The addresses an nftables set holds (single addresses and a-b ranges, as the renderer merges them).</summary>
    private static List<string> SetAddresses(string nft, string set)
    {
        var elements = Regex.Match(nft, $@"set {Regex.Escape(set)} \{{[^}}]*elements = \{{ ([^}}]*) \}}").Groups[1].Value;
        elements.ShouldNotBeEmpty($"no set {set} in:\n{nft}");
        static uint Number(string a) => BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(a).GetAddressBytes());
        return elements.Split(',', StringSplitOptions.TrimEntries).SelectMany(e =>
        {
            var ends = e.Split('-');
            var (first, last) = (Number(ends[0]), Number(ends[^1]));
            return Enumerable.Range(0, (int)(last - first + 1)).Select(i =>
            {
                var bytes = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(bytes, first + (uint)i);
                return new IPAddress(bytes);
            });
        }).Select(a => a.ToString()).Order(StringComparer.Ordinal).ToList();
    }

    [Fact]
    public void Verify_runs_its_probe()
    {
        var port = ServerProcess.FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                try
                {
                    var context = await listener.GetContextAsync();
                    context.Response.StatusCode = context.Request.Url!.AbsolutePath == SampleHealth.Path ? 200 : 404;
                    await context.Response.OutputStream.WriteAsync("sample ok"u8.ToArray());
                    context.Response.Close();
                }
                catch (Exception) { return; }
            }
        });
        var site = LoopbackSite.Of("vt", [LoopbackSite.Host("s1", ["sample"], ("sample_port", port))]);

        using (WithSample())
        {
            var report = LoopbackSite.Verify(site, LoopbackSite.Options("sample"));
            report.Check("s1", "health").Status.ShouldBe(HealthStatus.Healthy, LoopbackSite.Describe(report));

            var closed = LoopbackSite.Verify(LoopbackSite.Of("vt", [LoopbackSite.Host("s1", ["sample"], ("sample_port", ServerProcess.FreePort()))]), LoopbackSite.Options("sample"));
            closed.Check("s1", "health").Status.ShouldBe(HealthStatus.Failed);
        }

        var outside = LoopbackSite.Verify(site, LoopbackSite.Options("sample"));
        outside.Checks.ShouldNotContain(c => c.Check == "health" && c.Host == "s1");
    }

    [Fact]
    public async Task The_catalog_in_scope_is_complete_and_other_flows_still_see_the_built_in_one()
    {
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var startedOutside = Task.Run(async () => { await go.Task; return ComponentCatalog.Find("sample"); }, CancellationToken.None);
        using (WithSample())
        {
            CatalogCompleteness.Problems(ComponentCatalog.All).ShouldBeEmpty();
            ComponentCatalog.Find("sample").ShouldBe(Sample);
            (await Task.Run(() => ComponentCatalog.Find("sample"), CancellationToken.None)).ShouldBe(Sample, "tasks started in the scope inherit it");
            go.SetResult();
            (await startedOutside).ShouldBeNull("a flow started outside the scope keeps the built-in catalog while the scope is open");
        }
        ComponentCatalog.Find("sample").ShouldBeNull();
        ComponentCatalog.All.ShouldBe(ComponentCatalog.BuiltIn);
    }
}

/// <summary>The sample: one role on its own group, one port, two settings, a rendered unit, callers, a scrape job, alerts and a probe.</summary>
internal sealed class SampleComponent : ComponentDefinition
{
    public const string User = "sample";
    public const string ConfigPath = "/etc/datalyptica/sample/sample.conf";
    public static readonly PortSpec Http = new("http", 7777, "sample_port");
    public static readonly RoleDefinition Server = Role("sample", "sample server", new(0.1, 0.1), new(2, Why: "two for the test"), Http);
    public static readonly TextSetting Greeting = new("sample_greeting", "hello", "what the sample says");
    public static readonly IntSetting Workers = new("sample_workers", 2, 1, 64, "worker threads");

    public override string Id => "sample";
    public override string DisplayName => "Sample";
    public override Tier Tier => Tier.Analytics;
    public override string DefaultVersion => "1.0.0";
    public override InstallSource Install => InstallSource.DistroPackage;
    public override IReadOnlyList<RoleDefinition> Roles => [Server];
    public override IReadOnlyList<SettingSpec> Settings => [Greeting, Workers];
    public override ComponentLifecycle Lifecycle { get; } = new()
    {
        Account = ServiceAccount.Own(User, "Sample service"),
        Units = [new("sample", UnitSource.Rendered, OnConfigChange.Restart)],
    };
    public override IComponentRenderer? Renderer { get; } = new SampleRenderer();
    public override IHealthProbe? Health { get; } = new SampleHealth();
    public override IReadOnlyList<Access> Firewall { get; } =
        [new("sample", Server, Http, [PrometheusComponent.Server], "scraped by Prometheus")];
    public override IReadOnlyList<ScrapeJob> ScrapeJobs { get; } = [new("sample", [Server], Http) { Order = 500 }];
    public override IReadOnlyList<AlertGroup> Alerts { get; } = [new("sample", "sample", _ =>
        [new AlertRule("SampleDown", "up{job=\"sample\"} == 0", "1m", Critical, "sample down", "{{ $labels.instance }} is down")])];
}

internal sealed class SampleRenderer : IComponentRenderer
{
    public IEnumerable<RenderedFile> Render(RenderContext ctx)
    {
        yield return new RenderedFile("sample", SampleComponent.ConfigPath,
            $"listen = {ctx.Port(SampleComponent.Http)}\ngreeting = {SampleComponent.Greeting.Read(ctx.Site, ctx.Host)}\nworkers = {SampleComponent.Workers.Read(ctx.Site, ctx.Host)}\n")
        { Group = SampleComponent.User };
        yield return new RenderedFile("sample", PlatformPaths.Unit("sample"), "[Service]\nExecStart=/usr/bin/sample\n") { Kind = FileKind.SystemdUnit };
    }
}

internal sealed class SampleHealth : IHealthProbe
{
    public const string Path = "/health";

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation) =>
        await ProbeKit.PerHostAsync(context, context.Hosts, host =>
            [ProbeKit.HttpAsync(context, host, "health", SampleComponent.Http, Path, (status, body) => ProbeKit.OkWithBody(status, body, "sample ok"), cancellation)]);
}

using Datalyptica.Components;
using Datalyptica.Components.OsBaseLayer;
using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Health;
using Datalyptica.Model;

namespace Datalyptica.Tests.Components;

/// <summary>The catalog's contracts are complete (issue 12, deliverable 5), and the check finds what a new component forgets.</summary>
public class CatalogCompletenessTests
{
    [Fact]
    public void Every_component_of_the_catalog_declares_its_whole_contract()
    {
        CatalogCompleteness.Problems(ComponentCatalog.All).ShouldBeEmpty();
    }

    [Fact]
    public void Every_component_has_a_health_probe_the_artifact_installed_ones_too()
    {
        ComponentCatalog.All.Where(c => c.Health is null).Select(c => c.Id).ShouldBeEmpty();
        ComponentCatalog.All.Count(c => c.Install == InstallSource.Artifact && c.Health is not null).ShouldBeGreaterThan(10);
    }

    [Fact]
    public void Every_served_port_of_every_role_has_callers_and_every_scrape_job_port_belongs_to_its_roles()
    {
        foreach (var role in ComponentCatalog.All.SelectMany(c => c.Roles))
            foreach (var port in role.Ports)
                FirewallPolicy.Table.Where(a => a.Server == role && a.Port == port).ShouldNotBeEmpty($"{role.Group} {port.Name}");
        foreach (var job in ScrapeJobs.All)
            (job.Roles is null ? OsBase.Ports.Contains(job.Port) : job.Roles.All(r => r.Ports.Contains(job.Port))).ShouldBeTrue(job.Name);
    }

    [Fact]
    public void A_port_added_without_a_firewall_entry_is_reported_by_name()
    {
        var sample = new SampleComponent(withExtraPort: true);
        var problems = CatalogCompleteness.Problems([.. ComponentCatalog.All, sample]);
        problems.ShouldHaveSingleItem().ShouldBe(
            "sample: port admin (sample_admin_port, 9999) of role sample has no firewall entry (declare its callers in Firewall, or the port in PublicPorts)");

        // Declaring it public, or giving it callers, settles it.
        CatalogCompleteness.Problems([.. ComponentCatalog.All, new SampleComponent(withExtraPort: true) { AdminIsPublic = true }]).ShouldBeEmpty();
        CatalogCompleteness.Problems([.. ComponentCatalog.All, new SampleComponent(withExtraPort: true) { AdminHasCallers = true }]).ShouldBeEmpty();
        CatalogCompleteness.Problems([.. ComponentCatalog.All, new SampleComponent(withExtraPort: false)]).ShouldBeEmpty();
    }

    [Fact]
    public void A_component_without_probe_or_monitoring_and_a_job_on_a_foreign_port_are_reported()
    {
        var problems = CatalogCompleteness.Problems([new SampleComponent(withExtraPort: false) { NoProbe = true, JobPort = OsBase.NodeExporter }]);
        problems.ShouldContain("sample: no health probe (Health)");
        problems.ShouldContain("sample: scrape job sample scrapes port node-exporter, which role sample does not declare");
        CatalogCompleteness.Problems([new SampleComponent(withExtraPort: false) { NoJob = true }])
            .ShouldBe(["sample: neither a scrape job nor a NotScraped reason"]);
    }

    [Fact]
    public void Firewall_entries_keep_catalog_order_and_unique_ids()
    {
        FirewallPolicy.Table.Select(a => a.Id).ShouldBeUnique();
        var owner = FirewallPolicy.Table.Select(a => ComponentCatalog.All.First(c => c.Firewall.Contains(a))).ToList();
        var positions = owner.Select(c => ComponentCatalog.All.ToList().IndexOf(c)).ToList();
        positions.ShouldBe(positions.Order().ToList());
    }

    /// <summary>A component declared through the contract alone, as a new folder would.</summary>
    private sealed class SampleComponent : ComponentDefinition
    {
        public static readonly PortSpec Api = new("api", 9998, "sample_api_port");
        public static readonly PortSpec Admin = new("admin", 9999, "sample_admin_port");
        private readonly RoleDefinition _server;

        public SampleComponent(bool withExtraPort) =>
            _server = withExtraPort ? Role("sample", "server", new(1, 1), new(1), Api, Admin) : Role("sample", "server", new(1, 1), new(1), Api);

        public bool AdminIsPublic { get; init; }
        public bool AdminHasCallers { get; init; }
        public bool NoProbe { get; init; }
        public bool NoJob { get; init; }
        public PortSpec JobPort { get; init; } = Api;

        public override string Id => "sample";
        public override string DisplayName => "Sample";
        public override Tier Tier => Tier.Analytics;
        public override string DefaultVersion => "1.0";
        public override InstallSource Install => InstallSource.Artifact;
        public override IReadOnlyList<RoleDefinition> Roles => [_server];
        public override IReadOnlyList<Access> Firewall =>
        [
            new("sample_api", _server, Api, [PrometheusComponent.Server], "clients"),
            .. AdminHasCallers ? [new Access("sample_admin", _server, Admin, [_server], "peers")] : Array.Empty<Access>(),
        ];
        public override IReadOnlyList<PortSpec> PublicPorts => AdminIsPublic ? [Admin] : [];
        public override IHealthProbe? Health => NoProbe ? null : new Datalyptica.Components.Loki.LokiHealth();
        public override IReadOnlyList<ScrapeJob> ScrapeJobs => NoJob ? [] : [new("sample", [_server], JobPort)];
        public override ComponentLifecycle Lifecycle { get; } = new()
        {
            Account = ServiceAccount.Own("sample", "Sample"),
            Units = [new("sample", UnitSource.Rendered, OnConfigChange.Restart)],
        };
    }
}

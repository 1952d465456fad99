using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Alloy;

/// <summary>
/// Grafana Alloy, the log shipper: on every host of a site that places Loki (an implied role, Components/ImpliedRoles.cs,
/// the way node exporter is on every host), it sends the journal and /var/log/datalyptica to Loki with site, host, tier,
/// unit and component labels. A site without Loki has no shipper. Promtail, the older shipper, reaches its end of life
/// in 2026; Alloy is its successor (grafana.com/docs/alloy/latest/set-up/migrate/from-promtail).
/// </summary>
public sealed class AlloyComponent : ComponentDefinition
{
    public static readonly PortSpec Http = new("http", 12345, "alloy_http_port");

    /// <summary>
    /// Its resources are inside the OS reserve every host keeps for the base agents (<see cref="OsBase.Reserve"/>), like
    /// node exporter's; the unit's MemoryMax holds it there (<see cref="AlloyRenderer.MemoryMaxMb"/>).
    /// </summary>
    public static readonly RoleDefinition Agent = Role("alloy", "log shipper on every host", ResourceNeeds.None,
        new(1, Why: "implied: every host of a site with Loki"), Http) with { OnEveryHostWith = Loki.LokiComponent.Server };

    public override string Id => "alloy";
    public override string DisplayName => "Grafana Alloy";
    public override Tier Tier => Tier.Monitoring;
    public override string DefaultVersion => "1.5.1";
    public override InstallSource Install => InstallSource.Artifact;
    public override IReadOnlyList<ArtifactRelease> Releases => AlloyRelease.All;
    public override IReadOnlyList<Dependency> Requires => [new("loki", "the shipper pushes every host's logs to Loki")];
    public override Contracts.ComponentLifecycle Lifecycle => AlloyLifecycle.Declaration;
    public override IReadOnlyList<RoleDefinition> Roles => [Agent];
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new AlloyRenderer();
    public override IReadOnlyList<Contracts.SettingSpec> Settings => AlloySettings.All;
    public override Contracts.Health.IHealthProbe? Health { get; } = new AlloyHealth();
    public override IReadOnlyList<Contracts.Access> Firewall => AlloyAccess.Firewall;
    public override IReadOnlyList<Contracts.ScrapeJob> ScrapeJobs => AlloyMonitoring.Jobs;
}

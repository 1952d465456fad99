using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Prometheus;

/// <summary>Prometheus: a redundant pair scraping the same targets, each alerting every Alertmanager.</summary>
public sealed class PrometheusComponent : ComponentDefinition
{
    public static readonly PortSpec Http = new("http", 9090, "prometheus_port");

    public static readonly RoleDefinition Server = Role("prometheus", "server", new(2, 4, 200),
        new(2, Why: "a redundant pair scrapes the same targets"), Http);

    public override string Id => "prometheus";
    public override string DisplayName => "Prometheus";
    public override Tier Tier => Tier.Monitoring;
    public override string DefaultVersion => "3.0.1";
    public override InstallSource Install => InstallSource.DistroPackage;
    public override Contracts.ComponentLifecycle Lifecycle => PrometheusLifecycle.Declaration;
    public override IReadOnlyList<RoleDefinition> Roles => [Server];
    public override IReadOnlyList<Contracts.SettingSpec> Settings => PrometheusSettings.All;
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new PrometheusRenderer();
    public override Contracts.Health.IHealthProbe? Health { get; } = new PrometheusHealth();
    public override IReadOnlyList<string> DebianPackages => ["prometheus"];
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => PrometheusAccess.Firewall;
    public override IReadOnlyList<Contracts.HttpRoute> HttpRoutes => PrometheusAccess.Routes;
    public override IReadOnlyList<Contracts.ScrapeJob> ScrapeJobs => PrometheusMonitoring.Jobs;
    public override IReadOnlyList<Contracts.AlertGroup> Alerts => PrometheusMonitoring.Alerts;
}

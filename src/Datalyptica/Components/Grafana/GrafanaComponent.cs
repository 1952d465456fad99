using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Grafana;

/// <summary>Grafana on PostgreSQL with HA alerting gossip (which uses 9094, like Alertmanager's cluster port).</summary>
public sealed class GrafanaComponent : ComponentDefinition
{
    public static readonly PortSpec Http = new("http", 3000, "grafana_port");
    public static readonly PortSpec AlertingHa = new("alerting-ha", 9094, "grafana_alerting_ha_port", PortProtocol.TcpAndUdp);

    public static readonly RoleDefinition Server = Role("grafana", "server", new(1, 1),
        new(2, Why: "stateless servers on PostgreSQL behind HAProxy"), Http, AlertingHa);

    public override string Id => "grafana";
    public override string DisplayName => "Grafana";
    public override Tier Tier => Tier.Monitoring;
    public override string DefaultVersion => "11.4.0";
    public override InstallSource Install => InstallSource.Artifact;
    public override IReadOnlyList<ArtifactRelease> Releases => GrafanaRelease.All;
    /// <summary>Its PostgreSQL database and login role (dashboards, users and alert state), created by apply on the Patroni leader; the renderer connects with these.</summary>
    public static readonly ApplicationDatabase Database = new("grafana", "grafana", "vault_grafana_db_password");
    public override IReadOnlyList<ApplicationDatabase> ApplicationDatabases(Site site) => [Database];
    public override Contracts.ComponentLifecycle Lifecycle => GrafanaLifecycle.Declaration;
    public override IReadOnlyList<RoleDefinition> Roles => [Server];
    public override IReadOnlyList<Dependency> Requires => [new("postgresql", "dashboards, users and alert state live in PostgreSQL")];
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new GrafanaRenderer();
    public override IReadOnlyList<string> SecretKeys => ["vault_grafana_admin_password", "vault_grafana_secret_key", "vault_grafana_db_password", "vault_oauth_grafana_client_secret"];
    public override Contracts.Health.IHealthProbe? Health { get; } = new GrafanaHealth();
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => GrafanaAccess.Firewall;
    public override IReadOnlyList<Contracts.HttpRoute> HttpRoutes => GrafanaAccess.Routes;
    public override IReadOnlyList<Contracts.ScrapeJob> ScrapeJobs => GrafanaMonitoring.Jobs;
}

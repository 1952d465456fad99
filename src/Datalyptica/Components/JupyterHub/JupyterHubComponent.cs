using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.JupyterHub;

/// <summary>JupyterHub: active/passive only (one hub owns the proxy state), OAuth through Keycloak.</summary>
public sealed class JupyterHubComponent : ComponentDefinition
{
    public static readonly PortSpec Proxy = new("proxy", 8000, "jupyterhub_port");
    public static readonly PortSpec Hub = new("hub", 8081, "jupyterhub_hub_port");

    public static readonly RoleDefinition Server = Role("jupyterhub", "hub (active/passive)", new(1, 2, 100),
        new(2, Maximum: 2, Why: "active/passive: one hub process owns the proxy state"), Proxy, Hub);

    public override string Id => "jupyterhub";
    public override string DisplayName => "JupyterHub";
    public override Tier Tier => Tier.Analytics;
    public override string DefaultVersion => "5.2.1";
    public override InstallSource Install => InstallSource.Artifact;
    /// <summary>Its PostgreSQL database and login role (the hubs' shared state), created by apply on the Patroni leader; the renderer connects with these.</summary>
    public static readonly ApplicationDatabase Database = new("jupyterhub", "jupyterhub", "vault_jupyterhub_db_password");
    public override IReadOnlyList<ApplicationDatabase> ApplicationDatabases(Site site) => [Database];
    public override Contracts.ComponentLifecycle Lifecycle => JupyterHubLifecycle.Declaration;
    public override IReadOnlyList<RoleDefinition> Roles => [Server];
    public override IReadOnlyList<Dependency> Requires => [new("keycloak", "users log in with OAuth through Keycloak"), new("postgresql", "active and passive hubs share users, servers and tokens in PostgreSQL")];
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new JupyterHubRenderer();
    /// <summary>The OAuth client secret is the realm's (vault_oauth_jupyterhub_client_secret, same name in Keycloak's keys).</summary>
    public override IReadOnlyList<string> SecretKeys =>
        ["vault_oauth_jupyterhub_client_secret", "vault_jupyterhub_db_password", "vault_jupyterhub_cookie_secret"];
    public override Contracts.Health.IHealthProbe? Health { get; } = new JupyterHubHealth();
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => JupyterHubAccess.Firewall;
    public override IReadOnlyList<Contracts.HttpRoute> HttpRoutes => JupyterHubAccess.Routes;
    public override Contracts.NotScraped? NotScraped => Prometheus.NotScrapedNotes.NoMetricsPort;
}

using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.JupyterHub;

/// <summary>
/// JupyterHub: active/passive only (one hub owns the proxy state). From the pinned artifact (5.2, the default): OAuth
/// through Keycloak. From Debian 12's package (<c>jupyterhub_install: debian</c>, the lab's): JupyterHub 3.0 with PAM login,
/// no Keycloak (JupyterHubSettings).
/// </summary>
public sealed class JupyterHubComponent : ComponentDefinition
{
    public static readonly PortSpec Proxy = new("proxy", 8000, "jupyterhub_port");
    public static readonly PortSpec Hub = new("hub", 8081, "jupyterhub_hub_port");

    public static readonly RoleDefinition Server = Role("jupyterhub", "hub (active/passive)", new(1, 2, 100),
        new(2, Maximum: 2, Why: "active/passive: one hub process owns the proxy state"), Proxy, Hub);

    private static readonly Dependency Postgres = new("postgresql", "active and passive hubs share users, servers and tokens in PostgreSQL");

    public override string Id => "jupyterhub";
    public override string DisplayName => "JupyterHub";
    public override Tier Tier => Tier.Analytics;
    public override string DefaultVersion => "5.2.1";
    public override InstallSource Install => InstallSource.Artifact;
    /// <summary>Its PostgreSQL database and login role (the hubs' shared state), created by apply on the Patroni leader; the renderer connects with these.</summary>
    public static readonly ApplicationDatabase Database = new("jupyterhub", "jupyterhub", "vault_jupyterhub_db_password");
    public override IReadOnlyList<ApplicationDatabase> ApplicationDatabases(Site site) => [Database];
    public override InstallSource InstallOn(Site site) => JupyterHubSettings.FromDebian(site) ? InstallSource.DistroPackage : Install;
    public override Contracts.ComponentLifecycle Lifecycle => JupyterHubLifecycle.Declaration;
    public override IReadOnlyList<RoleDefinition> Roles => [Server];
    public override IReadOnlyList<Dependency> Requires => [new("keycloak", "users log in with OAuth through Keycloak"), Postgres];
    /// <summary>Debian's hub logs users in with PAM: it needs PostgreSQL only.</summary>
    public override IReadOnlyList<Dependency> RequiresOn(Site site) => JupyterHubSettings.FromDebian(site) ? [Postgres] : Requires;
    /// <summary>
    /// Debian 12: jupyterhub 3.0.0+ds1-1 (depends on node-configurable-http-proxy, python3-sqlalchemy, python3-notebook, ...)
    /// and python3-psycopg2 for the PostgreSQL db_url (https://packages.debian.org/bookworm/jupyterhub).
    /// </summary>
    public override IReadOnlyList<string> DebianPackages => ["jupyterhub", "python3-psycopg2"];
    public override IReadOnlyList<string> PackagesFor(Site site) => JupyterHubSettings.FromDebian(site) ? DebianPackages : [];
    public override IReadOnlyList<SettingSpec> Settings => JupyterHubSettings.All;
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new JupyterHubRenderer();
    /// <summary>The OAuth client secret is the realm's (vault_oauth_jupyterhub_client_secret, same name in Keycloak's keys).</summary>
    public override IReadOnlyList<string> SecretKeys =>
        ["vault_oauth_jupyterhub_client_secret", "vault_jupyterhub_db_password", "vault_jupyterhub_cookie_secret", JupyterHubSettings.LocalUserPasswordKey];
    public override IReadOnlyList<string> SecretKeysOn(Site site) => JupyterHubSettings.FromDebian(site)
        ? ["vault_jupyterhub_db_password", "vault_jupyterhub_cookie_secret", .. JupyterHubSettings.LocalUserOf(site) is null ? Array.Empty<string>() : [JupyterHubSettings.LocalUserPasswordKey]]
        : ["vault_oauth_jupyterhub_client_secret", "vault_jupyterhub_db_password", "vault_jupyterhub_cookie_secret"];
    public override IReadOnlyList<IValidationRule> ValidationRules => [new JupyterHubInstallRule()];
    public override Contracts.Health.IHealthProbe? Health { get; } = new JupyterHubHealth();
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => JupyterHubAccess.Firewall;
    public override IReadOnlyList<Contracts.HttpRoute> HttpRoutes => JupyterHubAccess.Routes;
    public override Contracts.NotScraped? NotScraped => Prometheus.NotScrapedNotes.NoMetricsPort;
}

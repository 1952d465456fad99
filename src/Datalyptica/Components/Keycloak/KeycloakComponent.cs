using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Keycloak;

/// <summary>Keycloak on PostgreSQL with an explicit, multicast-free JGroups stack (26.0 has no jdbc-ping built in).</summary>
public sealed class KeycloakComponent : ComponentDefinition
{
    public static readonly PortSpec Http = new("http", 8080, "keycloak_http_port");
    public static readonly PortSpec Management = new("management", 9000, "keycloak_management_port");
    public static readonly PortSpec JGroups = new("jgroups", 7800, "keycloak_jgroups_port");

    public static readonly RoleDefinition Server = Role("keycloak", "cluster member", new(1, 2),
        new(2, Why: "Infinispan keeps two owners of each session"), Http, Management, JGroups);

    public override string Id => "keycloak";
    public override string DisplayName => "Keycloak";
    public override Tier Tier => Tier.Iam;
    public override string DefaultVersion => "26.0.7";
    public override InstallSource Install => InstallSource.Artifact;
    public override IReadOnlyList<ArtifactRelease> Releases => KeycloakRelease.All;
    /// <summary>Its PostgreSQL database and login role (realms, users and sessions), created by apply on the Patroni leader; the renderer connects with these.</summary>
    public static readonly ApplicationDatabase Database = new("keycloak", "keycloak", "vault_keycloak_db_password");
    public override IReadOnlyList<ApplicationDatabase> ApplicationDatabases(Site site) => [Database];
    public override Contracts.ComponentLifecycle Lifecycle => KeycloakLifecycle.Declaration;
    public override IReadOnlyList<RoleDefinition> Roles => [Server];
    public override IReadOnlyList<Dependency> Requires => [new("postgresql", "realms, users and sessions live in PostgreSQL")];
    public override IReadOnlyList<Contracts.SettingSpec> Settings => KeycloakSettings.All;
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new KeycloakRenderer();
    /// <summary>The OIDC client secrets live in the realm import, so they are Keycloak's; each application names the same variable.</summary>
    public override IReadOnlyList<string> SecretKeys =>
    [
        "vault_keycloak_admin_password", "vault_keycloak_db_password",
        "vault_oauth_grafana_client_secret", "vault_oauth_airflow_client_secret",
        "vault_oauth_jupyterhub_client_secret", "vault_oauth_superset_client_secret",
    ];
    public override IReadOnlyList<string> DebianPackages => ["openjdk-17-jre-headless"];
    public override Contracts.Health.IHealthProbe? Health { get; } = new KeycloakHealth();
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => KeycloakAccess.Firewall;
    public override IReadOnlyList<Contracts.HttpRoute> HttpRoutes => KeycloakAccess.Routes;
    public override IReadOnlyList<Contracts.ScrapeJob> ScrapeJobs => KeycloakMonitoring.Jobs;
}

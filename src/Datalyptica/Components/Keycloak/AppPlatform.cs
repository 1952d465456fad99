using Datalyptica.Components.Airflow;
using Datalyptica.Components.Grafana;
using Datalyptica.Components.HAProxy;
using Datalyptica.Components.JupyterHub;
using Datalyptica.Components.Superset;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;

namespace Datalyptica.Components.Keycloak;

/// <summary>
/// What the application tier (Airflow, JupyterHub, MLflow, Superset, Grafana, Keycloak) shares: the public URLs on
/// the front door, PostgreSQL through HAProxy, and single sign-on through one Keycloak realm. One place, so a client's
/// redirect URI in the realm and the callback the application sends can never disagree.
/// </summary>
public static class AppPlatform
{
    public const string DefaultRealm = "datalyptica";
    /// <summary>Keycloak groups the realm defines; applications map them to their own roles.</summary>
    public const string AdminsGroup = "platform-admins";
    public const string EditorsGroup = "platform-editors";
    public const string UsersGroup = "platform-users";

    public static string PublicUrl(Site site, string path) => $"https://{site.Domain}{path}";

    /// <summary>Superset 4.1 cannot run under a sub-path (apache/superset #33228; SUPERSET_APP_ROOT is 5.0+): own host name.</summary>
    public static string SupersetUrl(Site site) => $"https://superset.{site.Domain}";

    /// <summary>PostgreSQL clients connect to the front-door VIP on HAProxy's primary port (autobase: 5000 routes to the Patroni leader).</summary>
    public static string PostgresHost(RenderContext ctx) => ctx.FrontDoor;

    public static int PostgresPort(RenderContext ctx) =>
        ctx.Members(HAProxyComponent.Node) is { Count: > 0 } lbs ? lbs[0].Port(HAProxyComponent.PostgresPrimary) : HAProxyComponent.PostgresPrimary.Number;

    /// <summary>libpq-style URL; the password is a vault placeholder (URL-safe: generated secrets are base64url).</summary>
    public static string PostgresUrl(RenderContext ctx, string scheme, string user, string passwordVar, string database) =>
        $"{scheme}://{user}:{ctx.Secret(passwordVar)}@{PostgresHost(ctx)}:{PostgresPort(ctx)}/{database}";

    /// <summary>The URL of a component's declared database (<see cref="ComponentDefinition.ApplicationDatabases"/>): the names apply creates.</summary>
    public static string PostgresUrl(RenderContext ctx, string scheme, ApplicationDatabase db) =>
        PostgresUrl(ctx, scheme, db.Role, db.PasswordSecretKey, db.Database);

    // ---- single sign-on ----

    public static bool SsoEnabled(RenderContext ctx) => ctx.Members(KeycloakComponent.Server).Count > 0;

    public static string Realm(RenderContext ctx) => KeycloakSettings.Realm.Read(ctx.Site, ctx.Host);

    /// <summary>Keycloak is served at /auth on the front door (http-relative-path=/auth).</summary>
    public static string RealmUrl(RenderContext ctx) => PublicUrl(ctx.Site, $"/auth/realms/{Realm(ctx)}");

    public static string OidcEndpoint(RenderContext ctx, string name) => $"{RealmUrl(ctx)}/protocol/openid-connect/{name}";

    public static string OidcMetadata(RenderContext ctx) => $"{RealmUrl(ctx)}/.well-known/openid-configuration";

    /// <summary>The vault variable of an OIDC client's secret, shared by the realm import and the application.</summary>
    public static string ClientSecretVar(string clientId) => $"vault_oauth_{clientId}_client_secret";

    /// <summary>
    /// Flask-AppBuilder's OAuth user registration (Airflow and Superset): users are created at their first login and their
    /// role follows their Keycloak group at every login (FAB security docs: AUTH_ROLES_MAPPING, AUTH_ROLES_SYNC_AT_LOGIN).
    /// The role names are the application's own; lines end without a final newline, for a Python config template.
    /// </summary>
    public static string FabRoleMapping(string registrationRole, string adminRole, string editorRole, string userRole) => $$"""
        AUTH_USER_REGISTRATION = True
        AUTH_USER_REGISTRATION_ROLE = "{{registrationRole}}"
        AUTH_ROLES_SYNC_AT_LOGIN = True
        AUTH_ROLES_MAPPING = {
            "{{AdminsGroup}}": ["{{adminRole}}"],
            "{{EditorsGroup}}": ["{{editorRole}}"],
            "{{UsersGroup}}": ["{{userRole}}"],
        }
        """;

    /// <summary>Flask-AppBuilder's "keycloak" OAuth provider for <paramref name="clientId"/> (Airflow and Superset), its secret a vault placeholder.</summary>
    public static string FabKeycloakProvider(RenderContext ctx, string clientId) => $$"""
        OAUTH_PROVIDERS = [
            {
                "name": "keycloak",
                "icon": "fa-key",
                "token_key": "access_token",
                "remote_app": {
                    "client_id": "{{clientId}}",
                    "client_secret": "{{ctx.Secret(ClientSecretVar(clientId))}}",
                    "server_metadata_url": "{{OidcMetadata(ctx)}}",
                    "api_base_url": "{{RealmUrl(ctx)}}/protocol/",
                    "client_kwargs": {"scope": "openid email profile"},
                },
            },
        ]
        """;

    /// <summary>One confidential OIDC client per UI the site deploys.</summary>
    public sealed record OidcClient(string ClientId, string Name, string BaseUrl, IReadOnlyList<string> RedirectUris)
    {
        public string SecretVar => ClientSecretVar(ClientId);
    }

    /// <summary>
    /// The UIs that log in through Keycloak. MLflow 2.19 has no OIDC login of its own (only a basic-auth app) and
    /// Trino's UI is configured by its own renderer, so neither gets a client here.
    /// </summary>
    public static IReadOnlyList<OidcClient> Clients(RenderContext ctx)
    {
        var site = ctx.Site;
        var clients = new List<OidcClient>();
        if (ctx.Members(GrafanaComponent.Server).Count > 0)
            clients.Add(new("grafana", "Grafana", PublicUrl(site, "/grafana/"), [PublicUrl(site, "/grafana/login/generic_oauth")]));
        if (ctx.Members(AirflowComponent.Web).Count > 0)
            clients.Add(new("airflow", "Airflow", PublicUrl(site, "/airflow/"), [PublicUrl(site, "/airflow/oauth-authorized/keycloak")]));
        if (ctx.Members(JupyterHubComponent.Server).Count > 0)
            clients.Add(new("jupyterhub", "JupyterHub", PublicUrl(site, "/jupyter/"), [PublicUrl(site, "/jupyter/hub/oauth_callback")]));
        if (ctx.Members(SupersetComponent.Server).Count > 0)
            clients.Add(new("superset", "Superset", SupersetUrl(site) + "/", [SupersetUrl(site) + "/oauth-authorized/keycloak"]));
        return clients;
    }

    /// <summary>RAM (GB) the other roles on this host and the OS reserve need, so a service sizes itself on what is left.</summary>
    public static double OthersRamGb(Host host, ComponentDefinition self) =>
        OsBase.Reserve.RamGb + host.Roles.Where(r => r.Component != self).Sum(r => r.Needs.RamGb);

    /// <summary>What is left for this component on the host (GB), never below its own declared need.</summary>
    public static double AvailableRamGb(Host host, ComponentDefinition self) =>
        Math.Max(host.Roles.Where(r => r.Component == self).Sum(r => r.Needs.RamGb), host.RamGb - OthersRamGb(host, self));

    /// <summary>Gunicorn-style worker count: 2 × vCPU + 1, capped where several Python apps share the host.</summary>
    public static int Workers(Host host, int sharing) => Math.Clamp((2 * host.VCpu + 1) / Math.Max(1, sharing), 2, 16);
}

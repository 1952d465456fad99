using Datalyptica.Components.Keycloak;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;

namespace Datalyptica.Components.JupyterHub;

/// <summary>
/// JupyterHub, active/passive: the first member is active; HAProxy sends to the second only when the first fails. Shared
/// state decision: the hub database is PostgreSQL through HAProxy, not the default sqlite file, because a failover to the
/// passive hub must see the same users, servers and API tokens; the cookie secret is derived from a vault value for the
/// same reason (a per-host secret would log everybody out on failover).
/// Two installs (<see cref="JupyterHubSettings.Install"/>):
/// <list type="bullet">
/// <item>artifact (default): JupyterHub 5.2 in a pinned virtualenv with oauthenticator and systemdspawner; Keycloak login,
/// single-user servers as systemd dynamic users.</item>
/// <item>debian: Debian 12's jupyterhub 3.0.0+ds1-1 (https://packages.debian.org/bookworm/jupyterhub), /usr/bin/jupyterhub
/// with Debian's configurable-http-proxy 4.5.3 (/usr/bin/configurable-http-proxy, node-configurable-http-proxy); PAM
/// login (PAMAuthenticator, service "login") for members of <see cref="LoginGroup"/>, servers started by the
/// LocalProcessSpawner as the user (JupyterHub 3.0 configuration reference:
/// https://jupyterhub.readthedocs.io/en/3.0.0/reference/api/app.html, .../api/auth.html, .../api/spawner.html).</item>
/// </list>
/// </summary>
public sealed class JupyterHubRenderer : IComponentRenderer
{
    public const string Id = "jupyterhub";
    public static readonly string ConfigPath = $"{PlatformPaths.Config(Id)}/jupyterhub_config.py";
    public static readonly string DataDir = PlatformPaths.Data(Id);
    /// <summary>Debian install: the local account's "user:password" line for chpasswd (root only; the password a placeholder until apply).</summary>
    public static readonly string LocalUserFile = $"{PlatformPaths.Config(Id)}/local-user.chpasswd";
    /// <summary>Debian install: who may log in with PAM (LocalAuthenticator.allowed_groups); apply creates the group.</summary>
    public const string LoginGroup = "jupyterhub-users";
    public const string DebianProxy = "/usr/bin/configurable-http-proxy";

    public IEnumerable<RenderedFile> Render(RenderContext ctx)
    {
        if (!ctx.Has(JupyterHubComponent.Server)) yield break;
        if (JupyterHubSettings.FromDebian(ctx.Site))
        {
            yield return new RenderedFile(Id, ConfigPath, DebianConfig(ctx)) { Group = "root", Mode = Modes.OwnerOnly };
            if (JupyterHubSettings.LocalUserOf(ctx.Site) is { } user)
                yield return new RenderedFile(Id, LocalUserFile, $"{user}:{ctx.Secret(JupyterHubSettings.LocalUserPasswordKey)}\n")
                    { Group = "root", Mode = Modes.OwnerOnly };
            // Root: PAM reads /etc/shadow and the LocalProcessSpawner starts each user's server as that user (JupyterHub docs,
            // "Run JupyterHub without root privileges" lists what a non-root hub would need: sudospawner, not in Debian).
            yield return new RenderedFile(Id, PlatformPaths.Unit("jupyterhub"), new SystemdUnit("JupyterHub (datalyptica, Debian package)",
                $"/usr/bin/jupyterhub --config={ConfigPath}", "root")
            {
                WorkingDirectory = DataDir,
                ReadWritePaths = [DataDir],
                // The hub exits when its database does not answer. On a first apply HAProxy (loadbalancer layer, :5000) starts
                // after the analytics layer and the role and database may come later still: retry every 10 s, without
                // systemd's start limit, until they exist.
                Restart = "always", RestartSec = 10, StartLimitIntervalSec = 0,
            }.Render()) { Kind = FileKind.SystemdUnit };
            yield break;
        }
        yield return new RenderedFile(Id, ConfigPath, Config(ctx)) { Group = "root", Mode = Modes.OwnerOnly };
        var venv = PlatformPaths.Current(Id);
        // SystemdSpawner starts each user's server as a transient unit, which needs root (jupyterhub-systemdspawner README).
        yield return new RenderedFile(Id, PlatformPaths.Unit("jupyterhub"), new SystemdUnit("JupyterHub (datalyptica)",
            $"{venv}/bin/jupyterhub --config={ConfigPath}", "root")
        {
            WorkingDirectory = DataDir,
            // configurable-http-proxy (node) ships in the artifact's bin.
            Environment = [new("PATH", $"{venv}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")],
            ReadWritePaths = [DataDir, PlatformPaths.Logs(Id)],
        }.Render()) { Kind = FileKind.SystemdUnit };
    }

    /// <summary>What both installs say alike: where the hub listens, its shared database and cookie secret.</summary>
    private static List<string> Common(RenderContext ctx)
    {
        var host = ctx.Host;
        return
        [
            "# Public entry: HAProxy routes https://<domain>/jupyter/ here unchanged (base_url is part of bind_url).",
            $"c.JupyterHub.bind_url = 'http://{host.Address}:{ctx.Port(JupyterHubComponent.Proxy)}/jupyter/'",
            "# The hub API listens on the site address so the proxy and single-user servers reach it.",
            $"c.JupyterHub.hub_bind_url = 'http://{host.Address}:{ctx.Port(JupyterHubComponent.Hub)}'",
            "c.JupyterHub.cleanup_servers = False  # a hub restart keeps users' running servers",
            $"c.JupyterHub.pid_file = '{DataDir}/jupyterhub.pid'",
        ];
    }

    private static List<string> SharedState(RenderContext ctx) =>
    [
        "# Shared state for active/passive: both hubs use the same PostgreSQL database through HAProxy.",
        $"c.JupyterHub.db_url = '{AppPlatform.PostgresUrl(ctx, "postgresql+psycopg2", JupyterHubComponent.Database)}'",
        "# Same 32-byte cookie secret on both hubs (derived from a vault value of any format), so a failover keeps sessions.",
        $"c.JupyterHub.cookie_secret = hashlib.sha256(b'{ctx.Secret("vault_jupyterhub_cookie_secret")}').digest()",
    ];

    /// <summary>JupyterHub 3.0 from Debian 12: PAM login for members of <see cref="LoginGroup"/>, local-process servers.</summary>
    private static string DebianConfig(RenderContext ctx)
    {
        var lines = new List<string>
        {
            "# Generated by datalyptica. JupyterHub 3.0 configuration, Debian 12's package (jupyterhub.readthedocs.io/en/3.0.0).",
            "import hashlib",
            "",
            "c = get_config()  # noqa: F821",
            "",
        };
        lines.AddRange(Common(ctx));
        lines.Add("");
        lines.AddRange(SharedState(ctx));
        lines.AddRange(
        [
            "",
            "# Debian's configurable-http-proxy (node-configurable-http-proxy 4.5.3), started and owned by this hub.",
            "c.JupyterHub.proxy_class = 'jupyterhub.proxy.ConfigurableHTTPProxy'",
            $"c.ConfigurableHTTPProxy.command = ['{DebianProxy}']",
            "",
            "# Login with the host's accounts (Debian has no oauthenticator): PAM, only members of the platform's login group.",
            "c.JupyterHub.authenticator_class = 'jupyterhub.auth.PAMAuthenticator'",
            $"c.LocalAuthenticator.allowed_groups = {{'{LoginGroup}'}}",
            "c.LocalAuthenticator.create_system_users = False  # accounts are the site's, never made at login",
            "",
            "# Each user's server runs as that user on the hub host (notebook 6 from Debian: the classic /tree UI).",
            "c.JupyterHub.spawner_class = 'jupyterhub.spawner.LocalProcessSpawner'",
            "c.Spawner.default_url = '/tree'",
            "",
        ]);
        return string.Join("\n", lines) + "\n";
    }

    /// <summary>Per-user limits: the host's RAM left after other roles, shared by the expected concurrent users.</summary>
    public static int UserMemGb(Model.Host host) =>
        Math.Clamp((int)(AppPlatform.AvailableRamGb(host, ComponentCatalog.Find(Id)!) / 8), 2, 16);

    private static string Config(RenderContext ctx)
    {
        var host = ctx.Host;
        var sso = AppPlatform.SsoEnabled(ctx);
        var lines = new List<string>
        {
            "# Generated by datalyptica. JupyterHub 5.2 configuration (jupyterhub.readthedocs.io, oauthenticator 16+).",
            "import hashlib",
            "",
            "c = get_config()  # noqa: F821",
            "",
        };
        lines.AddRange(Common(ctx));
        lines.Add($"c.JupyterHub.extra_log_file = '{PlatformPaths.Logs(Id)}/jupyterhub.log'");
        lines.Add("");
        lines.AddRange(SharedState(ctx));
        lines.AddRange(
        [
            "",
            "c.JupyterHub.spawner_class = 'systemdspawner.SystemdSpawner'",
            "c.SystemdSpawner.dynamic_users = True  # Keycloak users need no local Unix account",
            $"c.SystemdSpawner.mem_limit = '{UserMemGb(host)}G'",
            $"c.SystemdSpawner.cpu_limit = {Math.Max(1, host.VCpu / 4)}.0",
            "c.SystemdSpawner.isolate_tmp = True",
            "c.SystemdSpawner.isolate_devices = True",
            "c.Spawner.default_url = '/lab'",
            "",
        ]);
        if (sso)
            lines.AddRange(
            [
                "# Login through Keycloak (realm endpoints on the front door).",
                "c.JupyterHub.authenticator_class = 'generic-oauth'",
                "c.GenericOAuthenticator.login_service = 'Keycloak'",
                "c.GenericOAuthenticator.client_id = 'jupyterhub'",
                $"c.GenericOAuthenticator.client_secret = '{ctx.Secret(AppPlatform.ClientSecretVar("jupyterhub"))}'",
                $"c.GenericOAuthenticator.oauth_callback_url = '{AppPlatform.PublicUrl(ctx.Site, "/jupyter/hub/oauth_callback")}'",
                $"c.GenericOAuthenticator.authorize_url = '{AppPlatform.OidcEndpoint(ctx, "auth")}'",
                $"c.GenericOAuthenticator.token_url = '{AppPlatform.OidcEndpoint(ctx, "token")}'",
                $"c.GenericOAuthenticator.userdata_url = '{AppPlatform.OidcEndpoint(ctx, "userinfo")}'",
                $"c.GenericOAuthenticator.logout_redirect_url = '{AppPlatform.OidcEndpoint(ctx, "logout")}'",
                "c.GenericOAuthenticator.username_claim = 'preferred_username'",
                "c.GenericOAuthenticator.scope = ['openid', 'profile', 'email']",
                "# Since oauthenticator 16 nobody is allowed by default (PR #625): allow the platform's groups.",
                "c.GenericOAuthenticator.auth_state_groups_key = 'oauth_user.groups'",
                "c.GenericOAuthenticator.manage_groups = True",
                $"c.GenericOAuthenticator.allowed_groups = {{'{AppPlatform.AdminsGroup}', '{AppPlatform.EditorsGroup}', '{AppPlatform.UsersGroup}'}}",
                $"c.GenericOAuthenticator.admin_groups = {{'{AppPlatform.AdminsGroup}'}}",
                "",
            ]);
        return string.Join("\n", lines) + "\n";
    }
}

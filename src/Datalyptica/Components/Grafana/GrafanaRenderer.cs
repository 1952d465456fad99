using System.Text;
using System.Text.Json;
using Datalyptica.Components.Alertmanager;
using Datalyptica.Components.Keycloak;
using Datalyptica.Components.Loki;
using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;

namespace Datalyptica.Components.Grafana;

/// <summary>
/// Grafana 11 from the pinned tarball: grafana.ini (PostgreSQL through HAProxy, sub-path behind the front door,
/// Keycloak login, HA alerting gossip), provisioning for datasources and dashboards, and one dashboard per tier.
/// grafana.com/docs/grafana/latest/setup-grafana/configure-grafana/.
/// </summary>
public sealed class GrafanaRenderer : IComponentRenderer
{
    public const string Id = "grafana";
    public const string User = "grafana";
    public static readonly string ConfigDir = PlatformPaths.Config(Id);
    public static readonly string IniPath = $"{ConfigDir}/grafana.ini";
    public static readonly string Provisioning = $"{ConfigDir}/provisioning";
    public static readonly string DashboardsDir = $"{ConfigDir}/dashboards";
    public static readonly string DataDir = PlatformPaths.Data(Id);

    public IEnumerable<RenderedFile> Render(RenderContext ctx)
    {
        if (!ctx.Has(GrafanaComponent.Server)) yield break;
        yield return new RenderedFile(Id, IniPath, Ini(ctx)) { Group = User, Mode = Modes.Private };
        yield return new RenderedFile(Id, $"{Provisioning}/datasources/datalyptica.yaml", Datasources(ctx)) { Group = User };
        yield return new RenderedFile(Id, $"{Provisioning}/dashboards/datalyptica.yaml", DashboardProvider()) { Group = User };
        foreach (var tier in TiersOf(ctx.Site))
            yield return new RenderedFile(Id, $"{DashboardsDir}/{tier.GroupName()}.json", Dashboard(ctx.Site, tier)) { Group = User };
        var home = PlatformPaths.Current(Id);
        yield return new RenderedFile(Id, PlatformPaths.Unit("grafana-server"), new SystemdUnit("Grafana (datalyptica)",
            $"{home}/bin/grafana server --homepath={home} --config={IniPath}", User)
        {
            WorkingDirectory = home,
            MemoryMaxMb = Math.Clamp((int)(AppPlatform.AvailableRamGb(ctx.Host, ComponentCatalog.Find(Id)!) * 1024 / 2), 1024, 8192),
            ReadWritePaths = [DataDir, PlatformPaths.Logs(Id)],
        }.Render()) { Kind = FileKind.SystemdUnit };
    }

    /// <summary>Tiers that have hosts, in install order; computed once per site from the cached tier lists.</summary>
    public static IReadOnlyList<Tier> TiersOf(Site site) => Tiers.All.Where(t => site.Hosts.Any(h => h.Tier == t)).ToList();

    public static string HaPeers(RenderContext ctx) =>
        string.Join(",", ctx.Endpoints(GrafanaComponent.Server, GrafanaComponent.AlertingHa));

    private static string Ini(RenderContext ctx)
    {
        var site = ctx.Site;
        var sections = new List<KeyValuePair<string, IEnumerable<KeyValuePair<string, object?>>>>
        {
            new("paths", [new("data", DataDir), new("logs", PlatformPaths.Logs(Id)), new("plugins", $"{DataDir}/plugins"), new("provisioning", Provisioning)]),
            new("server",
            [
                new("http_addr", ctx.Host.Address.ToString()),
                new("http_port", ctx.Port(GrafanaComponent.Http)),
                // HAProxy forwards /grafana/ unchanged; Grafana strips the sub-path itself.
                new("root_url", AppPlatform.PublicUrl(site, "/grafana/")),
                new("serve_from_sub_path", true),
                new("enable_gzip", true),
            ]),
            new("database",
            [
                new("type", "postgres"),
                new("host", $"{AppPlatform.PostgresHost(ctx)}:{AppPlatform.PostgresPort(ctx)}"),
                new("name", GrafanaComponent.Database.Database),
                new("user", GrafanaComponent.Database.Role),
                new("password", ctx.Secret(GrafanaComponent.Database.PasswordSecretKey)),
                new("ssl_mode", "disable"),
                new("max_open_conn", 50),
                new("max_idle_conn", 10),
            ]),
            new("security",
            [
                new("admin_user", "admin"),
                new("admin_password", ctx.Secret("vault_grafana_admin_password")),
                // Identical on every instance: it encrypts datasource secrets stored in the shared database.
                new("secret_key", ctx.Secret("vault_grafana_secret_key")),
                new("cookie_secure", true),
                new("disable_gravatar", true),
            ]),
            new("users", [new("allow_sign_up", false)]),
            new("auth", [new("disable_login_form", false), new("oauth_allow_insecure_email_lookup", false)]),
            new("analytics", [new("reporting_enabled", false), new("check_for_updates", false)]),
            new("log", [new("mode", "file"), new("level", "info")]),
            new("unified_alerting",
            [
                new("enabled", true),
                // Every peer with ITS alerting port: where Alertmanager shares the host, 9094 is taken and the port moves.
                new("ha_peers", HaPeers(ctx)),
                new("ha_listen_address", $"{ctx.Host.Address}:{ctx.Port(GrafanaComponent.AlertingHa)}"),
                new("ha_advertise_address", $"{ctx.Host.Address}:{ctx.Port(GrafanaComponent.AlertingHa)}"),
                new("ha_peer_timeout", "15s"),
            ]),
        };
        if (AppPlatform.SsoEnabled(ctx))
            sections.Add(new("auth.generic_oauth",
            [
                new("enabled", true),
                new("name", "Keycloak"),
                new("allow_sign_up", true),
                new("auto_login", false),
                new("client_id", "grafana"),
                new("client_secret", ctx.Secret(AppPlatform.ClientSecretVar("grafana"))),
                new("scopes", "openid email profile offline_access"),
                new("email_attribute_path", "email"),
                new("login_attribute_path", "preferred_username"),
                new("name_attribute_path", "name"),
                new("auth_url", AppPlatform.OidcEndpoint(ctx, "auth")),
                new("token_url", AppPlatform.OidcEndpoint(ctx, "token")),
                new("api_url", AppPlatform.OidcEndpoint(ctx, "userinfo")),
                new("signout_redirect_url", AppPlatform.OidcEndpoint(ctx, "logout")),
                // Groups come from the realm's group-membership mapper on the grafana client.
                new("role_attribute_path",
                    $"contains(groups[*], '{AppPlatform.AdminsGroup}') && 'Admin' || contains(groups[*], '{AppPlatform.EditorsGroup}') && 'Editor' || 'Viewer'"),
                new("role_attribute_strict", false),
                new("use_pkce", true),
                new("use_refresh_token", true),
            ]));
        return IniText.Write(sections);
    }

    private static string Datasources(RenderContext ctx)
    {
        var list = new List<object>();
        if (ctx.Members(PrometheusComponent.Server).Count > 0)
        {
            // The HA pair behind HAProxy's /prometheus route (Prometheus runs with --web.external-url .../prometheus/).
            list.Add(Ds("Prometheus", "prometheus", "prometheus", AppPlatform.PublicUrl(ctx.Site, "/prometheus"), isDefault: true));
            // Each replica on its own, to compare the pair when they disagree.
            foreach (var p in ctx.Members(PrometheusComponent.Server))
                list.Add(Ds($"Prometheus {p.Name}", $"prometheus-{p.Name}", "prometheus", $"http://{p.Address}:{p.Port(PrometheusComponent.Http)}/prometheus", isDefault: false));
        }
        var index = ctx.IndexIn(GrafanaComponent.Server);
        var lokis = ctx.Members(LokiComponent.Server);
        if (lokis.Count > 0)
        {
            // Any ring member answers queries; Grafana servers spread over them (index modulo count).
            var l = lokis[index % lokis.Count];
            list.Add(Ds("Loki", "loki", "loki", $"http://{l.Address}:{l.Port(LokiComponent.Http)}", isDefault: false));
        }
        var ams = ctx.Members(AlertmanagerComponent.Server);
        if (ams.Count > 0)
        {
            // Alertmanager peers gossip silences and notifications, so any member shows the cluster's state.
            var a = ams[index % ams.Count];
            var ds = Ds("Alertmanager", "alertmanager", "alertmanager", $"http://{a.Address}:{a.Port(AlertmanagerComponent.Http)}", isDefault: false);
            ds["jsonData"] = new Dictionary<string, object> { ["implementation"] = "prometheus", ["handleGrafanaManagedAlerts"] = false };
            list.Add(ds);
        }
        return YamlText.Write(new Dictionary<string, object> { ["apiVersion"] = 1, ["datasources"] = list });
    }

    private static Dictionary<string, object> Ds(string name, string uid, string type, string url, bool isDefault) => new()
    {
        ["name"] = name, ["uid"] = uid, ["type"] = type, ["access"] = "proxy", ["url"] = url, ["isDefault"] = isDefault, ["editable"] = false,
    };

    private static string DashboardProvider() => YamlText.Write(new Dictionary<string, object>
    {
        ["apiVersion"] = 1,
        ["providers"] = new List<object>
        {
            new Dictionary<string, object>
            {
                ["name"] = "datalyptica", ["folder"] = "Datalyptica", ["type"] = "file", ["disableDeletion"] = true,
                ["allowUiUpdates"] = false, ["updateIntervalSeconds"] = 60,
                ["options"] = new Dictionary<string, object> { ["path"] = DashboardsDir, ["foldersFromFilesStructure"] = false },
            },
        },
    });

    /// <summary>
    /// A tier's dashboard: node metrics of the tier's hosts (node_exporter targets by address) and one panel per component
    /// of the tier counting its hosts that answer. Identical on every Grafana server (same site, same bytes).
    /// </summary>
    public static string Dashboard(Site site, Tier tier)
    {
        var hosts = site.Hosts.Where(h => h.Tier == tier).ToList();
        string Instances(IEnumerable<Host> hs) => string.Join("|", hs.Select(h => $"{h.Address.ToString().Replace(".", "\\\\.")}:{h.Port(OsBase.NodeExporter)}"));
        var all = Instances(hosts);
        var panels = new List<(string Title, string Expr, string Type, string Unit)>
        {
            ("CPU busy", $"1 - avg by (instance) (rate(node_cpu_seconds_total{{mode=\"idle\",instance=~\"{all}\"}}[5m]))", "timeseries", "percentunit"),
            ("Memory used", $"1 - node_memory_MemAvailable_bytes{{instance=~\"{all}\"}} / node_memory_MemTotal_bytes{{instance=~\"{all}\"}}", "timeseries", "percentunit"),
            ("Disk used", $"1 - node_filesystem_avail_bytes{{fstype!~\"tmpfs|overlay\",instance=~\"{all}\"}} / node_filesystem_size_bytes{{fstype!~\"tmpfs|overlay\",instance=~\"{all}\"}}", "timeseries", "percentunit"),
            ("Network received", $"rate(node_network_receive_bytes_total{{device!=\"lo\",instance=~\"{all}\"}}[5m])", "timeseries", "Bps"),
        };
        foreach (var component in ComponentCatalog.All.Where(c => c.Tier == tier))
        {
            var members = hosts.Where(h => component.Roles.Any(h.Has)).ToList();
            if (members.Count == 0) continue;
            panels.Add(($"{component.DisplayName}: hosts up (of {members.Count})", $"sum(up{{instance=~\"{Instances(members)}\"}})", "stat", "none"));
        }
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("uid", $"datalyptica-{tier.GroupName()}");
            w.WriteString("title", $"Datalyptica: {tier.DisplayName()} tier");
            w.WriteStartArray("tags"); w.WriteStringValue("datalyptica"); w.WriteStringValue(tier.GroupName()); w.WriteEndArray();
            w.WriteNumber("schemaVersion", 39);
            w.WriteString("refresh", "1m");
            w.WriteStartObject("time"); w.WriteString("from", "now-6h"); w.WriteString("to", "now"); w.WriteEndObject();
            w.WriteStartArray("panels");
            for (var i = 0; i < panels.Count; i++)
            {
                var (title, expr, type, unit) = panels[i];
                w.WriteStartObject();
                w.WriteNumber("id", i + 1);
                w.WriteString("title", title);
                w.WriteString("type", type);
                w.WriteStartObject("datasource"); w.WriteString("type", "prometheus"); w.WriteString("uid", "prometheus"); w.WriteEndObject();
                w.WriteStartObject("gridPos");
                var width = type == "stat" ? 6 : 12;
                var perRow = 24 / width;
                w.WriteNumber("h", 8); w.WriteNumber("w", width);
                w.WriteNumber("x", type == "stat" ? (i - 4) % perRow * width : i % 2 * 12);
                w.WriteNumber("y", type == "stat" ? 16 + (i - 4) / perRow * 8 : i / 2 * 8);
                w.WriteEndObject();
                w.WriteStartObject("fieldConfig"); w.WriteStartObject("defaults"); w.WriteString("unit", unit); w.WriteEndObject();
                w.WriteStartObject("overrides"); w.WriteEndObject(); w.WriteEndObject();
                w.WriteStartArray("targets");
                w.WriteStartObject(); w.WriteString("refId", "A"); w.WriteString("expr", expr);
                w.WriteStartObject("datasource"); w.WriteString("type", "prometheus"); w.WriteString("uid", "prometheus"); w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}

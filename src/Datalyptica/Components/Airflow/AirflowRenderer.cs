using System.Text;
using Datalyptica.Components.Keycloak;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;

namespace Datalyptica.Components.Airflow;

/// <summary>
/// Airflow 2.10 from the pinned virtualenv artifact. Executor: LocalExecutor on every scheduler host. The site model
/// has schedulers and webservers but no Celery worker pool, and HA comes from several schedulers sharing work through
/// PostgreSQL row locks (SELECT ... FOR UPDATE SKIP LOCKED); CeleryExecutor would add a broker whose Sentinel support
/// needs workarounds (apache/airflow #28655, #35619). DAGs must be present on every scheduler host (deployed with the
/// DAG bundle). Task logs go to the logs bucket so any webserver can show them.
/// </summary>
public sealed class AirflowRenderer : IComponentRenderer
{
    public const string Id = "airflow";
    public const string User = "airflow";
    public const string S3ConnId = "datalyptica_s3";
    public static readonly string ConfigDir = PlatformPaths.Config(Id);
    public static readonly string CfgPath = $"{ConfigDir}/airflow.cfg";
    public static readonly string WebserverConfigPath = $"{ConfigDir}/webserver_config.py";
    public static readonly string EnvPath = $"{ConfigDir}/airflow.env";
    public static readonly string Home = PlatformPaths.Data(Id);
    public static readonly string LogDir = PlatformPaths.Logs(Id);

    public IEnumerable<RenderedFile> Render(RenderContext ctx)
    {
        yield return new RenderedFile(Id, CfgPath, Cfg(ctx)) { Group = User, Mode = Modes.Private };
        yield return new RenderedFile(Id, EnvPath, Env(ctx)) { Group = User, Mode = Modes.Private };
        var bin = $"{PlatformPaths.Current(Id)}/bin/airflow";
        SystemdUnit Unit(string what, string args) => new($"Airflow {what} (datalyptica)", $"{bin} {args}", User)
        {
            EnvironmentFiles = [EnvPath],
            WorkingDirectory = Home,
            ReadWritePaths = [Home, LogDir],
            MemoryMaxMb = (int)(AppPlatform.AvailableRamGb(ctx.Host, ComponentCatalog.Find(Id)!) * 1024 * 0.8),
        };
        if (ctx.Has(AirflowComponent.Scheduler))
        {
            // LocalExecutor runs tasks as children of the scheduler: stop lets running tasks finish for a while.
            yield return UnitFile("airflow-scheduler", Unit("scheduler", "scheduler") with { TimeoutStopSec = 600 });
            // Deferrable operators: several triggerers share triggers (HA since 2.2).
            yield return UnitFile("airflow-triggerer", Unit("triggerer", "triggerer"));
        }
        if (ctx.Has(AirflowComponent.Web))
        {
            if (AppPlatform.SsoEnabled(ctx))
                yield return new RenderedFile(Id, WebserverConfigPath, WebserverConfig(ctx)) { Group = User, Mode = Modes.Private };
            yield return UnitFile("airflow-webserver", Unit("webserver", "webserver"));
        }
    }

    private static RenderedFile UnitFile(string name, SystemdUnit unit) =>
        new(Id, PlatformPaths.Unit(name), unit.Render()) { Kind = FileKind.SystemdUnit };

    private static string Cfg(RenderContext ctx)
    {
        var host = ctx.Host;
        var objectStore = ctx.Site.ObjectStore;
        var sections = new List<KeyValuePair<string, IEnumerable<KeyValuePair<string, object?>>>>
        {
            new("core",
            [
                new("dags_folder", $"{Home}/dags"),
                new("executor", "LocalExecutor"),
                // Task slots per scheduler host: tasks mostly submit work to Spark/Trino, so several per core.
                new("parallelism", Math.Max(8, host.VCpu * 4)),
                new("max_active_tasks_per_dag", 16),
                new("load_examples", false),
                new("default_timezone", "utc"),
                // Identical on every host: it encrypts connections and variables in the shared database.
                new("fernet_key", ctx.Secret("vault_airflow_fernet_key")),
            ]),
            new("database",
            [
                new("sql_alchemy_conn", AppPlatform.PostgresUrl(ctx, "postgresql+psycopg2", AirflowComponent.Database)),
                // After a Patroni failover HAProxy drops sessions; pre-ping replaces dead pooled connections.
                new("sql_alchemy_pool_pre_ping", true),
                new("sql_alchemy_pool_size", 5),
                new("sql_alchemy_max_overflow", 10),
            ]),
            new("scheduler",
            [
                // Required for more than one scheduler (administration-and-deployment/scheduler.html).
                new("use_row_level_locking", true),
                new("enable_health_check", true),
                new("scheduler_health_check_server_port", ctx.Has(AirflowComponent.Scheduler) ? ctx.Port(AirflowComponent.SchedulerHealth) : null),
                new("standalone_dag_processor", false),
            ]),
            new("logging",
            [
                new("base_log_folder", LogDir),
                new("dag_processor_manager_log_location", $"{LogDir}/dag_processor_manager/dag_processor_manager.log"),
                new("remote_logging", objectStore is not null),
                new("remote_base_log_folder", objectStore is null ? null : $"s3://{objectStore.Buckets["logs"]}/airflow"),
                new("remote_log_conn_id", objectStore is null ? null : S3ConnId),
                new("delete_local_logs", false),
            ]),
            new("webserver",
            [
                new("base_url", AppPlatform.PublicUrl(ctx.Site, "/airflow")),
                new("web_server_host", host.Address.ToString()),
                new("web_server_port", ctx.Has(AirflowComponent.Web) ? ctx.Port(AirflowComponent.Webserver) : null),
                // HAProxy terminates TLS and sets X-Forwarded-*; ProxyFix makes redirects and OAuth callbacks https.
                new("enable_proxy_fix", true),
                new("proxy_fix_x_for", 1),
                new("proxy_fix_x_proto", 1),
                new("proxy_fix_x_host", 1),
                new("proxy_fix_x_prefix", 1),
                // Identical on every webserver and scheduler: signs sessions and the log-fetch requests.
                new("secret_key", ctx.Secret("vault_airflow_webserver_secret_key")),
                new("workers", AppPlatform.Workers(host, sharing: 2)),
                new("config_file", WebserverConfigPath),
                new("expose_config", false),
                new("cookie_secure", true),
                new("cookie_samesite", "Lax"),
            ]),
            new("api", [new("auth_backends", "airflow.api.auth.backend.session")]),
            new("triggerer", [new("default_capacity", 1000)]),
        };
        return IniText.Write(sections);
    }

    private static string Env(RenderContext ctx)
    {
        var sb = new StringBuilder("# Generated by datalyptica. Read by every Airflow unit (EnvironmentFile).\n");
        sb.Append($"AIRFLOW_HOME={Home}\nAIRFLOW_CONFIG={CfgPath}\n");
        if (ctx.Site.ObjectStore is { } s)
        {
            // Connection for remote task logs, as a JSON connection in the environment (Airflow >= 2.3): kept out of the database.
            var extra = $"{{\"endpoint_url\": \"{s.Endpoint}\", \"region_name\": \"{s.Region}\"" +
                        (s.PathStyle ? ", \"config_kwargs\": {\"s3\": {\"addressing_style\": \"path\"}}" : "") + "}";
            sb.Append($"AIRFLOW_CONN_{S3ConnId.ToUpperInvariant()}='{{\"conn_type\": \"aws\", \"login\": \"{ctx.Secret(s.AccessKey.VarName)}\", " +
                      $"\"password\": \"{ctx.Secret(s.SecretKey.VarName)}\", \"extra\": {extra}}}'\n");
        }
        return sb.ToString();
    }

    private static string WebserverConfig(RenderContext ctx) => $$"""
        # Generated by datalyptica. Flask-AppBuilder security for the Airflow webserver: login through Keycloak.
        from flask_appbuilder.security.manager import AUTH_OAUTH

        WTF_CSRF_ENABLED = True
        AUTH_TYPE = AUTH_OAUTH
        # Users are created at first login; their role follows their Keycloak groups on every login.
        {{AppPlatform.FabRoleMapping("Viewer", adminRole: "Admin", editorRole: "User", userRole: "Viewer")}}
        PERMANENT_SESSION_LIFETIME = 43200

        # FAB's "keycloak" provider reads userinfo from api_base_url + "openid-connect/userinfo" and roles from "groups".
        {{AppPlatform.FabKeycloakProvider(ctx, "airflow")}}

        """;
}

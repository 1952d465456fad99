using System.Text;
using Datalyptica.Components.Keycloak;
using Datalyptica.Components.Redis;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;

namespace Datalyptica.Components.Airflow;

/// <summary>
/// Airflow 2.10 from its wheelhouse (a virtualenv per version, docs/PYTHON-APPS.md).
/// <para>
/// Executor: CeleryExecutor on the site's Redis, reached through Sentinel. Several schedulers share the scheduling work
/// through PostgreSQL row locks (SELECT ... FOR UPDATE SKIP LOCKED; airflow.apache.org/docs/apache-airflow/stable/
/// administration-and-deployment/scheduler.html#running-more-than-one-scheduler); with LocalExecutor each scheduler
/// would also run the tasks it queued as its own children, so a scheduler's restart or loss killed its running tasks
/// and task slots could not be pooled. With Celery a queued task goes to the broker and any worker takes it
/// (airflow.apache.org/docs/apache-providers-celery/stable/celery_executor.html); task state and results are in the
/// metadata database (result_backend db+postgresql), so no scheduler holds state of its own. The broker URL lists every
/// Sentinel (<c>sentinel://:PASSWORD@host:26379/DB;...</c>) and <c>[celery_broker_transport_options] master_name</c>
/// names the monitored master, so a Redis failover needs no change here (docs.celeryq.dev/en/stable/getting-started/
/// backends-and-brokers/redis.html, kombu's SentinelChannel; apache/airflow #28655 and #35619 show this form working;
/// the site's Sentinels need no password of their own, so no sentinel_kwargs, which Airflow reads as JSON since
/// apache/airflow #30352). The site has no worker role: every scheduler host runs an <c>airflow celery worker</c>
/// (<see cref="WorkerUnit"/>); a worker's warm shutdown lets running tasks finish (TimeoutStopSec 600).
/// </para>
/// <para>
/// DAG folder policy: schedulers parse and workers run the same files, so every scheduler host needs the same DAG folder
/// (<c>/var/lib/datalyptica/airflow/dags</c>). It is the team's git repository, checked out on every scheduler host by
/// their own deployment (a CI job or a git pull of a tagged release) and never edited on one host; datalyptica renders
/// the folder's path and does not copy DAGs (a DAG sync from git or the object store is left open: docs/PYTHON-APPS.md).
/// Task logs go to the logs bucket so any webserver can show finished tasks; a running task's log is read from its
/// worker's log server (<see cref="AirflowComponent.WorkerLogs"/>).
/// </para>
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
    public const string WorkerUnit = "airflow-worker";
    /// <summary>The Redis database Celery's broker uses (Superset's caches use 1 and 2).</summary>
    public const int BrokerRedisDb = 3;

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
            yield return UnitFile("airflow-scheduler", Unit("scheduler", "scheduler"));
            // Celery worker: tasks run here, whichever scheduler queued them. Its warm shutdown (SIGTERM) waits for
            // running tasks; 600 s bounds that. It also serves running tasks' logs to the webservers.
            yield return UnitFile(WorkerUnit, Unit("Celery worker", "celery worker") with { TimeoutStopSec = 600 });
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
                new("executor", "CeleryExecutor"),
                // Task slots per scheduler: tasks mostly submit work to Spark/Trino, so several per core.
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
            new("celery",
            [
                new("broker_url", BrokerUrl(ctx)),
                // Task state and results in the metadata database (Airflow's recommendation), not in Redis.
                new("result_backend", AppPlatform.PostgresUrl(ctx, "db+postgresql", "airflow", "vault_airflow_db_password", "airflow")),
                new("worker_concurrency", Math.Max(8, host.VCpu * 4)),
                new("worker_prefetch_multiplier", 1),
                new("task_acks_late", true),
            ]),
            new("celery_broker_transport_options",
            [
                // Sentinel names the current primary of this master (RedisRenderer); kombu asks it on every (re)connect.
                new("master_name", RedisRenderer.MasterName(ctx.Site)),
                // A task not acknowledged within this time is delivered again (acks late): longer than any task runs.
                new("visibility_timeout", 21600),
            ]),
            new("logging",
            [
                new("base_log_folder", LogDir),
                new("dag_processor_manager_log_location", $"{LogDir}/dag_processor_manager/dag_processor_manager.log"),
                new("remote_logging", objectStore is not null),
                new("remote_base_log_folder", objectStore is null ? null : $"s3://{objectStore.Buckets["logs"]}/airflow"),
                new("remote_log_conn_id", objectStore is null ? null : S3ConnId),
                new("delete_local_logs", false),
                // The worker's log server: webservers read running tasks' logs from it (AirflowAccess).
                // A webserver builds the log URL with its own value: the first scheduler's port where this host runs none.
                new("worker_log_server_port", ctx.Has(AirflowComponent.Scheduler) ? ctx.Port(AirflowComponent.WorkerLogs)
                    : ctx.Members(AirflowComponent.Scheduler).FirstOrDefault()?.Port(AirflowComponent.WorkerLogs) ?? AirflowComponent.WorkerLogs.Number),
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

    /// <summary>
    /// Celery's Sentinel broker: one <c>sentinel://</c> URL per Sentinel, joined by ';' (kombu tries them in order); the
    /// password is the Redis password (a placeholder, URL-safe: generated secrets are base64url).
    /// </summary>
    public static string BrokerUrl(RenderContext ctx) => string.Join(';', ctx.Members(RedisComponent.Sentinel).Select(h =>
        $"sentinel://:{ctx.Secret(RedisComponent.PasswordKey)}@{h.Address}:{h.Port(RedisComponent.SentinelPort)}/{BrokerRedisDb}"));

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

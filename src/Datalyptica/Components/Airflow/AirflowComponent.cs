using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Airflow;

/// <summary>
/// Airflow with several schedulers (row locks in PostgreSQL), a Celery worker beside each (broker: the site's Redis
/// through Sentinel; AirflowRenderer says why) and several webservers.
/// </summary>
public sealed class AirflowComponent : ComponentDefinition
{
    public static readonly PortSpec Webserver = new("webserver", 8080, "airflow_webserver_port");
    public static readonly PortSpec SchedulerHealth = new("scheduler-health", 8974, "airflow_scheduler_health_port");
    /// <summary>The Celery worker's log server on scheduler hosts (each runs a worker): webservers read running tasks' logs.</summary>
    public static readonly PortSpec WorkerLogs = new("worker-logs", 8793, "airflow_worker_log_server_port");

    public static readonly RoleDefinition Scheduler = Role("airflow_scheduler", "scheduler", new(1, 2),
        new(2, Why: "HA schedulers share work with SELECT ... FOR UPDATE SKIP LOCKED; each runs a Celery worker"), SchedulerHealth, WorkerLogs);
    public static readonly RoleDefinition Web = Role("airflow_webserver", "webserver", new(1, 2),
        new(2, Why: "stateless webservers behind HAProxy"), Webserver);

    public override string Id => "airflow";
    public override string DisplayName => "Airflow";
    public override Tier Tier => Tier.Analytics;
    public override string DefaultVersion => "2.10.4";
    public override InstallSource Install => InstallSource.Artifact;
    /// <summary>No release tarball upstream: a wheelhouse installed into a virtualenv per version (docs/PYTHON-APPS.md).</summary>
    public override ArchiveFormat? SiteBuiltArtifact => ArchiveFormat.Wheelhouse;
    /// <summary>The interpreter the virtualenv is made from (Debian 12: Python 3.11; the wheelhouse is built for cp311).</summary>
    public override IReadOnlyList<string> DebianPackages => ["python3", "python3-venv"];
    /// <summary>Its PostgreSQL database and login role (the metadata database), created by apply on the Patroni leader; the renderer connects with these.</summary>
    public static readonly ApplicationDatabase Database = new("airflow", "airflow", "vault_airflow_db_password");
    public override IReadOnlyList<ApplicationDatabase> ApplicationDatabases(Site site) => [Database];
    public override Contracts.ComponentLifecycle Lifecycle => AirflowLifecycle.Declaration;
    public override IReadOnlyList<RoleDefinition> Roles => [Scheduler, Web];
    public override IReadOnlyList<Dependency> Requires =>
    [
        new("postgresql", "the metadata database needs row locks that PostgreSQL provides"),
        new("redis", "CeleryExecutor's broker is the site's Redis, reached through Sentinel"),
    ];
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new AirflowRenderer();
    public override IReadOnlyList<string> SecretKeys =>
        ["vault_airflow_fernet_key", "vault_airflow_webserver_secret_key", "vault_airflow_db_password", "vault_oauth_airflow_client_secret"];
    public override Contracts.Health.IHealthProbe? Health { get; } = new AirflowHealth();
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => AirflowAccess.Firewall;
    public override IReadOnlyList<Contracts.HttpRoute> HttpRoutes => AirflowAccess.Routes;
    public override Contracts.NotScraped? NotScraped => Prometheus.NotScrapedNotes.NoMetricsPort;
}

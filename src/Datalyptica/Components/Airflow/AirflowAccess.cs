using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;

namespace Datalyptica.Components.Airflow;

/// <summary>Who calls Airflow's ports, and its route on the HTTPS front door.</summary>
public static class AirflowAccess
{
    public static IReadOnlyList<Access> Firewall { get; } =
    [
        new("airflow_webserver", AirflowComponent.Web, AirflowComponent.Webserver, [HAProxy.HAProxyComponent.Node], "UI and REST API through HAProxy (/airflow)"),
        new("airflow_scheduler_health", AirflowComponent.Scheduler, AirflowComponent.SchedulerHealth, [PrometheusComponent.Server], "scheduler health check server"),
        new("airflow_worker_logs", AirflowComponent.Scheduler, AirflowComponent.WorkerLogs, [AirflowComponent.Web], "running tasks' logs from the Celery worker's log server"),
    ];

    public static IReadOnlyList<HttpRoute> Routes { get; } =
    [
        new("airflow", "/airflow", AirflowComponent.Web, AirflowComponent.Webserver, AirflowHealth.WebHealthPath,
            "Airflow runs with [webserver] base_url=https://<domain>/airflow and enable_proxy_fix") { Order = 30 },
    ];
}

using Datalyptica.Contracts;
using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.Airflow;

/// <summary>
/// Airflow 2.x: the webserver's /health (under base_url, so /airflow/health) answers {"metadatabase":{"status":"healthy"},
/// "scheduler":{"status":"healthy",...}}; its HTTP status says nothing about health, only the body does. Each scheduler's
/// health check server answers GET /health with 200 while its heartbeat is recent, else 503 (Airflow docs, "Checking
/// Airflow Health Status": webserver health check endpoint and scheduler health check server).
/// </summary>
public sealed class AirflowHealth : IHealthProbe
{
    public const string WebHealthPath = "/airflow/health";
    public const string SchedulerHealthPath = "/health";

    public static ProbeOutcome JudgeWeb(int status, string body) =>
        status != 200 ? ProbeOutcome.Fail(ProbeKit.Short(body)) : ProbeKit.Json(body, root =>
        {
            string? Status(string part) => root.TryGetProperty(part, out var p) ? ProbeKit.Text(p, "status") : null;
            var database = Status("metadatabase");
            var scheduler = Status("scheduler");
            if (database is null || scheduler is null) return ProbeOutcome.Fail($"no metadatabase/scheduler status: {ProbeKit.Short(body)}");
            return ProbeOutcome.When(database == "healthy" && scheduler == "healthy", $"metadatabase {database}, scheduler {scheduler}");
        });

    public static ProbeOutcome JudgeScheduler(int status, string body) =>
        ProbeOutcome.When(status == 200, status == 200 ? "heartbeat recent" : $"scheduler unhealthy {ProbeKit.Short(body)}".TrimEnd());

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation) =>
        await ProbeKit.PerHostAsync(context, context.Hosts, host =>
        {
            var list = new List<Task<HealthCheck>>();
            if (host.Has(AirflowComponent.Web))
                list.Add(ProbeKit.HttpAsync(context, host, "webserver health", AirflowComponent.Webserver, WebHealthPath, JudgeWeb, cancellation));
            if (host.Has(AirflowComponent.Scheduler))
                list.Add(ProbeKit.HttpAsync(context, host, "scheduler health", AirflowComponent.SchedulerHealth, SchedulerHealthPath, JudgeScheduler, cancellation));
            return list;
        });
}

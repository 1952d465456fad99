using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.Grafana;

/// <summary>
/// Grafana: GET /api/health answers {"database":"ok","version":...} without authentication (Grafana HTTP API, "Health API";
/// it answers at the root even with serve_from_sub_path).
/// </summary>
public sealed class GrafanaHealth : IHealthProbe
{
    public const string HealthPath = "/api/health";

    public static ProbeOutcome Judge(int status, string body) => ProbeKit.Json(body, root =>
    {
        var database = ProbeKit.Text(root, "database");
        return ProbeOutcome.When(status == 200 && database == "ok", $"database {database ?? "missing"}, Grafana {ProbeKit.Text(root, "version") ?? "?"}");
    });

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation) =>
        await ProbeKit.PerHostAsync(context, context.Hosts, host =>
            [ProbeKit.HttpAsync(context, host, "health", GrafanaComponent.Http, HealthPath, Judge, cancellation)]);
}

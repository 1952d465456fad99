using System.Text.Json;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.Flink;

/// <summary>
/// Flink: each JobManager's REST API answers GET /overview with the cluster overview ("taskmanagers", "slots-total",
/// "flink-version"; nightlies.apache.org/flink/flink-docs-release-1.20/docs/ops/rest_api/); a standby JobManager answers
/// from the leader. Every configured TaskManager must be registered. TaskManagers serve no HTTP: their RPC port is checked.
/// </summary>
public sealed class FlinkHealth : IHealthProbe
{
    public const string OverviewPath = "/overview";

    public static ProbeOutcome JudgeOverview(int status, string body, int configuredTaskManagers) =>
        status != 200 ? ProbeOutcome.Fail(ProbeKit.Short(body)) : ProbeKit.Json(body, root =>
        {
            if (!root.TryGetProperty("taskmanagers", out var tm) || tm.ValueKind != JsonValueKind.Number)
                return ProbeOutcome.Fail($"no taskmanagers count: {ProbeKit.Short(body)}");
            var slots = root.TryGetProperty("slots-total", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt32() : 0;
            return ProbeOutcome.When(tm.GetInt32() == configuredTaskManagers,
                $"{tm.GetInt32()} of {configuredTaskManagers} TaskManagers registered, {slots} slots, Flink {ProbeKit.Text(root, "flink-version") ?? "?"}");
        });

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation)
    {
        var taskManagers = context.Members(FlinkComponent.TaskManager).Count;
        return await ProbeKit.PerHostAsync(context, context.Hosts, host =>
        {
            var list = new List<Task<HealthCheck>>();
            if (host.Has(FlinkComponent.JobManager))
                list.Add(ProbeKit.HttpAsync(context, host, "overview", FlinkComponent.Rest, OverviewPath, (status, body) => JudgeOverview(status, body, taskManagers), cancellation));
            if (host.Has(FlinkComponent.TaskManager))
                list.Add(ProbeKit.ListeningAsync(context, host, "taskmanager rpc", FlinkComponent.TaskManagerRpc, cancellation));
            return list;
        });
    }
}

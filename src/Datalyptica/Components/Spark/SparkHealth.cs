using System.Collections.Concurrent;
using System.Text.Json;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.Spark;

/// <summary>
/// Spark standalone: each master's web UI serves its state as JSON at /json/ ("status": ALIVE for the leader, STANDBY for
/// the others under ZooKeeper recovery; "aliveworkers"), each worker's UI serves /json/ with the master it registered
/// with, and the history server answers its REST API /api/v1/version (spark.apache.org/docs/3.5.4/spark-standalone.html,
/// monitoring.html "REST API"). The cluster has exactly one ALIVE master and it sees every configured worker.
/// </summary>
public sealed class SparkHealth : IHealthProbe
{
    public const string JsonPath = "/json/";
    public const string HistoryPath = "/api/v1/version";

    public sealed record MasterView(string Status, int AliveWorkers);

    public static MasterView? ParseMaster(string body)
    {
        MasterView? view = null;
        ProbeKit.Json(body, root =>
        {
            var status = ProbeKit.Text(root, "status");
            var alive = root.TryGetProperty("aliveworkers", out var a) && a.ValueKind == JsonValueKind.Number ? a.GetInt32() : 0;
            if (status is not null) view = new MasterView(status, alive);
            return ProbeOutcome.Ok("");
        });
        return view;
    }

    public static ProbeOutcome JudgeMaster(int status, string body)
    {
        if (status != 200) return ProbeOutcome.Fail(ProbeKit.Short(body));
        var view = ParseMaster(body);
        if (view is null) return ProbeOutcome.Fail($"not the master's JSON state: {ProbeKit.Short(body)}");
        return ProbeOutcome.When(view.Status is "ALIVE" or "STANDBY", view.Status == "ALIVE" ? $"ALIVE, {view.AliveWorkers} alive workers" : view.Status);
    }

    public static ProbeOutcome JudgeWorker(int status, string body) =>
        status != 200 ? ProbeOutcome.Fail(ProbeKit.Short(body)) : ProbeKit.Json(body, root =>
            ProbeKit.Text(root, "masterurl") is { Length: > 0 } master ? ProbeOutcome.Ok($"registered with {master}") : ProbeOutcome.Fail("no master URL in the worker's state"));

    public static ProbeOutcome JudgeHistory(int status, string body) =>
        status != 200 ? ProbeOutcome.Fail(ProbeKit.Short(body)) : ProbeKit.Json(body, root =>
            ProbeKit.Text(root, "spark") is { } version ? ProbeOutcome.Ok($"Spark {version}") : ProbeOutcome.Fail($"no version: {ProbeKit.Short(body)}"));

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation)
    {
        var masters = new ConcurrentDictionary<string, MasterView>();
        var checks = await ProbeKit.PerHostAsync(context, context.Hosts, host =>
        {
            var list = new List<Task<HealthCheck>>();
            if (host.Has(SparkComponent.Master))
                list.Add(ProbeKit.HttpAsync(context, host, "master", SparkComponent.MasterUi, JsonPath, (status, body) =>
                {
                    if (ParseMaster(body) is { } view) masters[host.Name] = view;
                    return JudgeMaster(status, body);
                }, cancellation));
            if (host.Has(SparkComponent.Worker))
                list.Add(ProbeKit.HttpAsync(context, host, "worker", SparkComponent.WorkerUi, JsonPath, JudgeWorker, cancellation));
            if (host.Has(SparkComponent.History))
                list.Add(ProbeKit.HttpAsync(context, host, "history", SparkComponent.HistoryUi, HistoryPath, JudgeHistory, cancellation));
            return list;
        });
        if (!context.ClusterChecks || context.Members(SparkComponent.Master).Count == 0) return checks;
        checks.Add(context.Cluster("leader", JudgeCluster(masters.Values.ToList(), context.Members(SparkComponent.Worker).Count)));
        return checks;
    }

    /// <summary>Exactly one ALIVE master, and it sees every configured worker.</summary>
    public static ProbeOutcome JudgeCluster(IReadOnlyList<MasterView> masters, int configuredWorkers)
    {
        var alive = masters.Where(m => m.Status == "ALIVE").ToList();
        if (alive.Count != 1) return ProbeOutcome.Fail($"{alive.Count} masters report ALIVE; want exactly 1");
        return ProbeOutcome.When(alive[0].AliveWorkers == configuredWorkers, $"one ALIVE master with {alive[0].AliveWorkers} of {configuredWorkers} workers");
    }
}

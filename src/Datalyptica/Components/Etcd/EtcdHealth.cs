using System.Collections.Concurrent;
using System.Text.Json;
using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.Etcd;

/// <summary>
/// etcd: GET /health and /metrics on each member's plain-HTTP metrics listener (the client port needs a client
/// certificate; the metrics one serves the same /health). The cluster has one leader and every configured member is
/// connected: each member sees configured-1 active peers (etcd_network_active_peers).
/// </summary>
public sealed class EtcdHealth : IHealthProbe
{
    /// <summary>What one member's /metrics says about the cluster.</summary>
    public sealed record MemberView(bool HasLeader, bool IsLeader, int ActivePeers);

    public static MemberView ParseMetrics(string text)
    {
        double First(string name) => PrometheusText.Values(text, name).Select(v => v.Value).DefaultIfEmpty(0).First();
        var peers = PrometheusText.Values(text, "etcd_network_active_peers").Where(v => v.Value >= 1)
            .Select(v => PrometheusText.Label(v.Labels, "Remote")).Distinct().Count();
        return new MemberView(First("etcd_server_has_leader") == 1, First("etcd_server_is_leader") == 1, peers);
    }

    /// <summary>etcd's /health body: {"health":"true"} (3.4 and 3.5 also add a reason when false).</summary>
    public static bool ParseHealth(string body)
    {
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.TryGetProperty("health", out var h) && h.ValueKind == JsonValueKind.String && h.GetString() == "true";
    }

    /// <summary>
    /// The rolling-restart gate: the raw HTTP/1.0 answer to GET /health (status line, headers, blank line, body) is healthy
    /// when its body is what <see cref="ParseHealth"/> calls healthy.
    /// </summary>
    public static readonly Contracts.OutputJudge ServingJudge = new("etcd-health", HealthProblem);

    public static string? HealthProblem(string httpAnswer)
    {
        var text = httpAnswer.Replace("\r\n", "\n", StringComparison.Ordinal);
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        var body = split < 0 ? "" : text[(split + 2)..].Trim();
        try { if (body.Length > 0 && ParseHealth(body)) return null; }
        catch (JsonException) { }
        var status = text.Split('\n')[0].Trim();
        return $"GET /health answered {(status.Length == 0 ? "nothing" : status)}{(body.Length > 0 ? $": {ProbeKit.Short(body)}" : "")}";
    }

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation)
    {
        var configured = context.Members(EtcdComponent.Member).Count;
        var views = new ConcurrentDictionary<string, MemberView>();
        var checks = await ProbeKit.PerHostAsync(context, context.Hosts, host =>
        [
            context.CheckAsync(host, "health", async (access, ct) =>
            {
                var answer = await ProbeClients.GetAsync(await ProbeKit.EndpointAsync(access, host, EtcdComponent.Metrics, ct), "/health", ct);
                return ProbeOutcome.When(answer.Status == 200 && ParseHealth(answer.Body), $"GET /health → {answer.Status} {ProbeKit.Short(answer.Body)}");
            }, cancellation),
            context.CheckAsync(host, "membership", async (access, ct) =>
            {
                var answer = await ProbeClients.GetAsync(await ProbeKit.EndpointAsync(access, host, EtcdComponent.Metrics, ct), "/metrics", ct);
                if (answer.Status != 200) return ProbeOutcome.Fail($"GET /metrics answered {answer.Status}");
                var view = ParseMetrics(answer.Body);
                views[host.Name] = view;
                var ok = view.HasLeader && view.ActivePeers + 1 == configured;
                return ProbeOutcome.When(ok, $"{(view.IsLeader ? "leader" : view.HasLeader ? "follower" : "NO LEADER")}, " +
                    $"connected to {view.ActivePeers} of {configured - 1} peers");
            }, cancellation),
        ]);
        if (!context.ClusterChecks) return checks;

        var leaders = context.Hosts.Where(h => views.TryGetValue(h.Name, out var v) && v.IsLeader).Select(h => h.Name).ToList();
        checks.Add(context.Cluster("leader", ProbeOutcome.When(leaders.Count == 1,
            leaders.Count == 1 ? $"one leader: {leaders[0]}" : $"{leaders.Count} members report being leader ({string.Join(", ", leaders)}); want exactly 1")));
        var withLeader = views.Count(v => v.Value.HasLeader);
        checks.Add(context.Cluster("quorum", ProbeOutcome.When(withLeader == configured,
            $"{withLeader} of {configured} configured members answer with a leader (quorum {ProbeKit.Majority(configured)})")));
        return checks;
    }
}

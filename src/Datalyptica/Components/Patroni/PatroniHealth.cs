using System.Text.Json;
using Datalyptica.Verification;

namespace Datalyptica.Components.Patroni;

/// <summary>
/// Patroni REST: each member's GET /health (200 while PostgreSQL runs) and its role (/primary or /replica answers 200);
/// the cluster (GET /cluster) has exactly one leader, the configured synchronous standbys and every configured member.
/// </summary>
public sealed class PatroniHealth : IHealthProbe
{
    public sealed record Member(string Name, string Role, string State, long? Lag);

    /// <summary>GET /cluster's members (Patroni 3.x).</summary>
    public static IReadOnlyList<Member> ParseCluster(string json)
    {
        using var doc = JsonDocument.Parse(json);
        if (!doc.RootElement.TryGetProperty("members", out var members) || members.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException("GET /cluster has no members list");
        return members.EnumerateArray().Select(m => new Member(
            m.GetProperty("name").GetString() ?? "",
            m.TryGetProperty("role", out var r) ? r.GetString() ?? "" : "",
            m.TryGetProperty("state", out var s) ? s.GetString() ?? "" : "",
            m.TryGetProperty("lag", out var l) && l.ValueKind == JsonValueKind.Number ? l.GetInt64() : null)).ToList();
    }

    /// <summary>The cluster rules as outcomes: one leader, enough synchronous standbys, every member running.</summary>
    public static IEnumerable<(string Check, ProbeOutcome Outcome)> Judge(IReadOnlyList<Member> members, IReadOnlyCollection<string> configured, bool synchronous, int syncCount)
    {
        var leaders = members.Where(m => m.Role is "leader" or "standby_leader").ToList();
        yield return ("leader", ProbeOutcome.When(leaders.Count == 1,
            leaders.Count == 1 ? $"one leader: {leaders[0].Name} ({leaders[0].State})" : $"{leaders.Count} leaders ({string.Join(", ", leaders.Select(l => l.Name))}); want exactly 1"));
        if (synchronous)
        {
            var sync = members.Where(m => m.Role is "sync_standby" or "quorum_standby").Select(m => m.Name).ToList();
            yield return ("sync standby", ProbeOutcome.When(sync.Count >= syncCount,
                sync.Count > 0 ? $"{string.Join(", ", sync)} (want {syncCount})" : $"no synchronous standby (want {syncCount}): commits wait or RPO 0 is lost"));
        }
        var running = members.Where(m => m.State is "running" or "streaming").Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var absent = configured.Where(n => !running.Contains(n)).ToList();
        yield return ("members", ProbeOutcome.When(absent.Count == 0,
            $"{running.Count(configured.Contains)} of {configured.Count} running" + (absent.Count > 0
                ? $"; not running: {string.Join(", ", absent.Select(n => $"{n} ({members.FirstOrDefault(m => m.Name == n)?.State ?? "absent"})"))}" : "") +
            (members.Any(m => m.Lag > 0) ? $"; lag {string.Join(", ", members.Where(m => m.Lag > 0).Select(m => $"{m.Name} {m.Lag} B"))}" : "")));
    }

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation)
    {
        string? clusterJson = null;
        var checks = await ProbeKit.PerHostAsync(context, context.Hosts, host =>
        [
            context.CheckAsync(host, "health", async (access, ct) =>
            {
                var endpoint = await ProbeKit.EndpointAsync(access, host, PatroniComponent.RestApi, ct);
                var health = await ProbeClients.GetAsync(endpoint, "/health", ct);
                if (health.Status != 200) return ProbeOutcome.Fail($"GET /health → {health.Status}: PostgreSQL is not running under Patroni");
                var primary = await ProbeClients.GetAsync(endpoint, "/primary", ct);
                if (primary.Status == 200) return ProbeOutcome.Ok("running; /primary → 200 (leader)");
                var replica = await ProbeClients.GetAsync(endpoint, "/replica", ct);
                if (context.ClusterChecks && clusterJson is null)
                {
                    var cluster = await ProbeClients.GetAsync(endpoint, "/cluster", ct);
                    if (cluster.Status == 200) clusterJson = cluster.Body;
                }
                return ProbeOutcome.When(replica.Status == 200,
                    replica.Status == 200 ? "running; /replica → 200" : $"running, but /primary → {primary.Status} and /replica → {replica.Status}: neither role");
            }, cancellation),
        ]);
        if (!context.ClusterChecks) return checks;

        // Any member answers /cluster for all; ask again if no replica got to it (a one-member cluster, or replicas down).
        foreach (var host in context.Hosts)
        {
            if (clusterJson is not null) break;
            var fetched = await context.TimedAsync(HealthCheck.ClusterScope, "cluster", async ct =>
            {
                var access = await context.AccessAsync(host, ct);
                var answer = await ProbeClients.GetAsync(await ProbeKit.EndpointAsync(access, host, PatroniComponent.RestApi, ct), "/cluster", ct);
                if (answer.Status == 200) clusterJson = answer.Body;
                return ProbeOutcome.When(answer.Status == 200, $"GET /cluster on {host.Name} → {answer.Status}");
            }, cancellation);
            if (clusterJson is null && host == context.Hosts[^1]) checks.Add(fetched);
        }
        if (clusterJson is null)
        {
            if (context.Hosts.Count == 0) checks.Add(context.Cluster("leader", ProbeOutcome.Fail("no Patroni member answered")));
            return checks;
        }
        var site = context.Site;
        var configured = context.Members(PatroniComponent.Member).Select(h => h.Name).ToList();
        var synchronous = PatroniSettings.Synchronous(site);
        var syncCount = PatroniSettings.SynchronousNodeCount.Read(site);
        foreach (var (check, outcome) in Judge(ParseCluster(clusterJson), configured, synchronous && configured.Count > 1, syncCount))
            checks.Add(context.Cluster(check, outcome));
        return checks;
    }
}

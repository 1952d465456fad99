using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.Patroni;

/// <summary>
/// Patroni REST: each member's GET /health (200 while PostgreSQL runs) and its role (/primary or /replica answers 200);
/// the cluster (GET /cluster) is judged by <see cref="PatroniCluster"/>, the same rules the failover drills wait for.
/// </summary>
public sealed class PatroniHealth : IHealthProbe
{
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
                if (PatroniStandbySite.IsStandby(context.Site) && (await ProbeClients.GetAsync(endpoint, "/standby-leader", ct)).Status == 200)
                    return ProbeOutcome.Ok("running; /standby-leader → 200 (streams from the primary site)");
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
        var expected = PatroniCluster.Expect(context.Site, context.Members(PatroniComponent.Member).Select(h => h.Name).ToList());
        foreach (var (check, outcome) in PatroniCluster.Judge(PatroniCluster.Parse(clusterJson), expected))
            checks.Add(context.Cluster(check, outcome));
        return checks;
    }
}

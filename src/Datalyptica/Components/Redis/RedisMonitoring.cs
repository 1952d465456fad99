using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using static Datalyptica.Contracts.AlertRule;

namespace Datalyptica.Components.Redis;

/// <summary>Redis' scrape job (redis_exporter next to each data node) and alerts.</summary>
public static class RedisMonitoring
{
    public static IReadOnlyList<ScrapeJob> Jobs { get; } =
        [new("redis", [RedisComponent.Data], RedisComponent.Exporter) { Why = "prometheus-redis-exporter next to each data node", Order = 80 }];

    public static IReadOnlyList<AlertGroup> Alerts { get; } = [new("redis", "redis", Rules)];

    private static IEnumerable<AlertRule> Rules(RenderContext ctx)
    {
        var replicas = ctx.Members(RedisComponent.Data).Count - 1;
        // `or vector(0)`: with no master at all, count() returns nothing and the alert would never fire.
        yield return new("RedisMasterMissing", "(count(redis_instance_info{job=\"redis\",role=\"master\"}) or vector(0)) < 1", "1m", Critical,
            "Redis has no master", "No Redis node reports role master; Sentinel has not (yet) promoted a replica.")
        {
            Proof = new(Roles("slave", "slave"), Roles("master", "slave")),
        };
        yield return new("RedisMultipleMasters", "count(redis_instance_info{job=\"redis\",role=\"master\"}) > 1", "2m", Critical,
            "more than one Redis master", "{{ $value }} Redis nodes report role master: an old master was not demoted.")
        {
            Proof = new(Roles("master", "master"), Roles("master", "slave")),
        };
        if (replicas > 0)
            yield return new("RedisReplicasMissing", $"sum(redis_connected_slaves{{job=\"redis\"}}) < {replicas}", "5m", Warning,
            "Redis replicas missing", $"The master has {{{{ $value }}}} of {replicas} replicas connected.")
        {
            Proof = AlertProof.Gauge("redis_connected_slaves{job=\"redis\",host=\"r1\"}", replicas - 1, replicas),
        };
        yield return new("RedisMemoryNearMax", "redis_memory_used_bytes{job=\"redis\"} / (redis_memory_max_bytes{job=\"redis\"} > 0) > 0.9", "10m", Warning,
            "Redis above 90% of maxmemory", "{{ $labels.host }} is at {{ $value | humanizePercentage }} of maxmemory; evictions or write errors follow.")
        {
            Proof = new(
                AlertProof.Steady(("redis_memory_used_bytes{job=\"redis\",host=\"r1\"}", 95), ("redis_memory_max_bytes{job=\"redis\",host=\"r1\"}", 100)),
                // maxmemory 0 (no limit) never divides: no alert.
                AlertProof.Steady(("redis_memory_used_bytes{job=\"redis\",host=\"r1\"}", 95), ("redis_memory_max_bytes{job=\"redis\",host=\"r1\"}", 0))),
        };
        yield return new("RedisRejectedConnections", "increase(redis_rejected_connections_total{job=\"redis\"}[5m]) > 0", "0m", Warning,
            "Redis rejects connections", "{{ $labels.host }} hit maxclients.")
        {
            Proof = AlertProof.Counter("redis_rejected_connections_total{job=\"redis\",host=\"r1\"}"),
        };
    }

    /// <summary>redis_instance_info of two nodes with the given roles.</summary>
    private static IReadOnlyList<string> Roles(string first, string second) =>
        AlertProof.Steady(($"redis_instance_info{{job=\"redis\",host=\"r1\",role=\"{first}\"}}", 1), ($"redis_instance_info{{job=\"redis\",host=\"r2\",role=\"{second}\"}}", 1));
}

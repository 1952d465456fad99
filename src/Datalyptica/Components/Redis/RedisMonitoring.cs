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
            "Redis has no master", "No Redis node reports role master; Sentinel has not (yet) promoted a replica.");
        yield return new("RedisMultipleMasters", "count(redis_instance_info{job=\"redis\",role=\"master\"}) > 1", "2m", Critical,
            "more than one Redis master", "{{ $value }} Redis nodes report role master: an old master was not demoted.");
        yield return new("RedisReplicasMissing", $"sum(redis_connected_slaves{{job=\"redis\"}}) < {replicas}", "5m", Warning,
            "Redis replicas missing", $"The master has {{{{ $value }}}} of {replicas} replicas connected.");
        yield return new("RedisMemoryNearMax", "redis_memory_used_bytes{job=\"redis\"} / (redis_memory_max_bytes{job=\"redis\"} > 0) > 0.9", "10m", Warning,
            "Redis above 90% of maxmemory", "{{ $labels.host }} is at {{ $value | humanizePercentage }} of maxmemory; evictions or write errors follow.");
        yield return new("RedisRejectedConnections", "increase(redis_rejected_connections_total{job=\"redis\"}[5m]) > 0", "0m", Warning,
            "Redis rejects connections", "{{ $labels.host }} hit maxclients.");
    }
}

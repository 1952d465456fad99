using Datalyptica.Contracts;

namespace Datalyptica.Components.Redis;

/// <summary>Redis and Sentinel inventory variables (redis.conf and sentinel.conf reference).</summary>
public static class RedisSettings
{
    public static readonly IntSetting DownAfterMs = new("redis_sentinel_down_after_ms", 3000, 100, 600000,
        "Sentinel's down-after-milliseconds: how long a primary may not answer before a failover", "ms") { Scope = SettingScope.Host };
    public static readonly IntSetting MaxMemoryMb = new("redis_maxmemory_mb", null, 16, 1024 * 1024, "maxmemory", "MB")
        { Scope = SettingScope.Host, DefaultDescription = "half of the RAM the host has left after its other roles (256 MB..64 GB)" };
    // The eviction policies of redis.conf (maxmemory-policy).
    public static readonly ChoiceSetting MaxMemoryPolicy = new("redis_maxmemory_policy", "volatile-lru",
        ["volatile-lru", "allkeys-lru", "volatile-lfu", "allkeys-lfu", "volatile-random", "allkeys-random", "volatile-ttl", "noeviction"],
        "what Redis evicts at maxmemory") { Scope = SettingScope.Host };

    /// <summary>
    /// min-replicas-max-lag: a primary that has heard no replica's acknowledgement for this long refuses writes
    /// (NOREPLICAS), which bounds what a primary cut off from its replicas and Sentinels acknowledges and then loses when
    /// it is demoted (redis.io, "Allow writes only with N attached replicas"; measured by the redis-partition drill).
    /// Replicas acknowledge every second, so below 3 a busy replica would stop writes.
    /// </summary>
    public static readonly IntSetting MinReplicasMaxLag = new("redis_min_replicas_max_lag", 5, 3, 60,
        "min-replicas-max-lag: a primary that heard no replica for this long refuses writes, which bounds what a partitioned primary loses", "s") { Scope = SettingScope.Host };

    public static readonly IReadOnlyList<SettingSpec> All = [DownAfterMs, MaxMemoryMb, MaxMemoryPolicy, MinReplicasMaxLag];
}

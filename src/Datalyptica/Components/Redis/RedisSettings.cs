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

    public static readonly IReadOnlyList<SettingSpec> All = [DownAfterMs, MaxMemoryMb, MaxMemoryPolicy];
}

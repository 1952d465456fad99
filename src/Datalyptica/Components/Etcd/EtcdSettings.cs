using Datalyptica.Contracts;

namespace Datalyptica.Components.Etcd;

/// <summary>etcd's inventory variables (https://etcd.io/docs/v3.5/tuning/ and the --quota-backend-bytes flag).</summary>
public static class EtcdSettings
{
    public static readonly IntSetting HeartbeatInterval = new("etcd_heartbeat_interval", 1000, 10, 10000,
        "leader heartbeat; election timeout must be at least 5 times this", "ms");
    // etcd refuses an election timeout above 50000 ms.
    public static readonly IntSetting ElectionTimeout = new("etcd_election_timeout", 5000, 50, 50000, "follower's wait before it starts an election", "ms");
    // etcd suggests at most 8 GiB (https://etcd.io/docs/v3.5/dev-guide/limit/).
    public static readonly IntSetting QuotaBackendBytes = new("etcd_quota_backend_bytes", 2L * 1024 * 1024 * 1024, 1024L * 1024 * 1024,
        8L * 1024 * 1024 * 1024, "the backend database size at which etcd raises a space alarm", "bytes");
    public static readonly TextSetting ClusterToken = new("etcd_cluster_token", null, "initial cluster token")
        { Pattern = SettingPatterns.Token, PatternDescription = SettingPatterns.TokenText, DefaultDescription = "datalyptica-<site>-etcd", Example = "etcd-main" };

    public static readonly IReadOnlyList<SettingSpec> All = [HeartbeatInterval, ElectionTimeout, QuotaBackendBytes, ClusterToken];
}

using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Patroni;

/// <summary>Patroni's inventory variables (Patroni docs, dynamic_configuration.rst and replication_modes.rst).</summary>
public static class PatroniSettings
{
    public static readonly ChoiceSetting SynchronousMode = new("patroni_synchronous_mode", "true", ["true", "false", "quorum"],
        "synchronous replication: true (one synchronous standby, RPO 0), quorum (Patroni 4 quorum commit) or false");
    public static readonly BoolSetting SynchronousModeStrict = new("patroni_synchronous_mode_strict", false,
        "refuse writes when no synchronous standby is left (availability traded for RPO 0)");
    public static readonly IntSetting SynchronousNodeCount = new("patroni_synchronous_node_count", 1, 1, 16,
        "synchronous standbys the primary waits for; must leave a member to fail over to");
    // 20/3/8 (not Patroni's 30/10/10): a leader crash must be served again within 30 s in the worst case. Measured by
    // `datalyptica drill SITE patroni-crash` on the lab: 30/10/10 allows ttl 30 + loop_wait 10 + HAProxy before any
    // write = over 40 s. 20/3/8 allows ttl 20 + loop_wait 3 + member check 2 + promote 1 + HAProxy 2 = 28 s
    // (ttl >= 20 is Patroni's floor; loop_wait + 2 x retry_timeout = 19 <= ttl).
    // Patroni's own lower bounds: ttl >= 20, loop_wait >= 1, retry_timeout >= 3 (dynamic_configuration.rst).
    public static readonly IntSetting Ttl = new("patroni_ttl", 20, 20, 3600, "leader key TTL: a crashed leader is replaced after at most this", "s");
    public static readonly IntSetting LoopWait = new("patroni_loop_wait", 3, 1, 3600, "seconds between Patroni's HA loops", "s");
    public static readonly IntSetting RetryTimeout = new("patroni_retry_timeout", 8, 3, 3600,
        "how long DCS and PostgreSQL operations are retried; loop_wait + 2 x retry_timeout <= ttl", "s");
    public static readonly IntSetting MaximumLagOnFailover = new("patroni_maximum_lag_on_failover", 1048576, 0, long.MaxValue,
        "a replica further behind than this may not be promoted", "bytes");
    public static readonly TextSetting ClusterName = new("patroni_cluster_name", null, "Patroni scope (the cluster's name in etcd)")
        { Pattern = SettingPatterns.Token, PatternDescription = SettingPatterns.TokenText, DefaultDescription = "the site name", Example = "pg-main" };

    public static readonly IReadOnlyList<SettingSpec> All =
        [SynchronousMode, SynchronousModeStrict, SynchronousNodeCount, Ttl, LoopWait, RetryTimeout, MaximumLagOnFailover, ClusterName,
         .. PatroniStandbySite.All];

    /// <summary>Whether a synchronous standby is expected (true or quorum; absent means true, the platform's RPO 0 default).</summary>
    public static bool Synchronous(Site site) => SynchronousMode.Read(site) != "false";
}

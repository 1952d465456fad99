using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Redis;

/// <summary>
/// Debian's redis-server and redis-sentinel units with our drop-ins, and the packaged exporter. Servers restart one at
/// a time, replicas first and the primary last; Sentinels one at a time, each seeing a quorum again before the next.
/// sentinel.conf is seed-only (Sentinel rewrites it), so the site's monitoring settings are checked and set on the
/// running Sentinel by a guarded command.
/// </summary>
public static class RedisLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.FromPackage("redis", "Debian redis-server package"),
        Units =
        [
            new("redis-server", UnitSource.PackageWithDropIn, OnConfigChange.Restart)
                { Rolling = (_, host) => RedisComponent.ServerRolling(host) with { LeaderCheck = PrimaryCheck(host) } },
            new("redis-sentinel", UnitSource.PackageWithDropIn, OnConfigChange.Restart) { Rolling = RedisComponent.SentinelRolling },
            new("prometheus-redis-exporter", UnitSource.Package, OnConfigChange.Restart)
                { RunsAs = ServiceAccount.FromPackage("prometheus", "Debian prometheus-redis-exporter package runs as prometheus") },
        ],
        Commands = SentinelSettings,
    };

    /// <summary>
    /// Exit 0 when this server is the primary (INFO replication: role:master). The password is read from redis.conf on the
    /// host into redis-cli's environment, as in the rolling health check: never in the plan, a command line or output.
    /// </summary>
    public static string PrimaryCheck(Host host) =>
        $"REDISCLI_AUTH=\"$(sed -n 's/^requirepass //p' {RedisRenderer.ConfPath})\" redis-cli --no-auth-warning -h {host.Address} -p {host.Port(RedisComponent.Server)} " +
        "info replication | grep -q '^role:master'";

    private static IEnumerable<GuardedCommand> SentinelSettings(Site site, Host host)
    {
        if (!host.Has(RedisComponent.Sentinel)) yield break;
        var (check, set) = RedisRenderer.SentinelSettings(site, host);
        yield return new GuardedCommand("sentinel-settings", set, check,
            $"the running Sentinel's settings differ from the site's (SENTINEL MASTER {RedisRenderer.MasterName(site)})");
    }
}

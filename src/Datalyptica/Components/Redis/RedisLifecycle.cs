using Datalyptica.Contracts;
using Datalyptica.Contracts.Hosts;
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
            // redis.conf is seed-only and the auth file is for checks: neither restarts a running server.
            new("redis-server", UnitSource.PackageWithDropIn, OnConfigChange.Restart)
                { Reads = [RedisRenderer.ConfPath, RedisRenderer.ServerDropInPath], Rolling = (_, host) => RedisComponent.ServerRolling(host) with { LeaderCheck = PrimaryCheck(host) }, HandOver = SentinelFailover },
            new("redis-sentinel", UnitSource.PackageWithDropIn, OnConfigChange.Restart) { Rolling = RedisComponent.SentinelRolling },
            new("prometheus-redis-exporter", UnitSource.Package, OnConfigChange.Restart)
                { RunsAs = ServiceAccount.FromPackage("prometheus", "Debian prometheus-redis-exporter package runs as prometheus") },
        ],
        Commands = SentinelSettings,
    };

    /// <summary>
    /// Exit 0 when this server is the primary (INFO replication: role:master). The password is read on the host into
    /// redis-cli's environment (<see cref="RedisComponent.Cli"/>): never in the plan, a command line or output.
    /// </summary>
    public static string PrimaryCheck(Host host) => $"{RedisComponent.Cli(host)} info replication | grep -q '^role:master'";

    /// <summary>
    /// Before a planned restart of the primary: SENTINEL FAILOVER, which promotes a replica without asking the other
    /// Sentinels for agreement (Redis docs, "High availability with Redis Sentinel", Sentinel commands), asked of the
    /// first Sentinel that answers, this host's own first.
    /// </summary>
    public static LeaderHandOver SentinelFailover(Site site, Host host)
    {
        var sentinels = site.HostsWith(RedisComponent.Sentinel).OrderBy(h => h.Name == host.Name ? 0 : 1)
            .Select(h => $"redis-cli -h {h.Address} -p {h.Port(RedisComponent.SentinelPort)} sentinel failover {RemoteCommand.Quote(RedisRenderer.MasterName(site))} | grep -q '^OK'");
        return new(PrimaryCheck(host), string.Join(" || ", sentinels), "Sentinel failover to a replica");
    }

    private static IEnumerable<GuardedCommand> SentinelSettings(Site site, Host host)
    {
        if (!host.Has(RedisComponent.Sentinel)) yield break;
        var (check, set) = RedisRenderer.SentinelSettings(site, host);
        yield return new GuardedCommand("sentinel-settings", set, check,
            $"the running Sentinel's settings differ from the site's (SENTINEL MASTER {RedisRenderer.MasterName(site)})");
    }
}

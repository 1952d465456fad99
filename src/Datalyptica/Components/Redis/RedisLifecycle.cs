using Datalyptica.Contracts;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Model;

namespace Datalyptica.Components.Redis;

/// <summary>
/// Debian's redis-server and redis-sentinel units with our drop-ins, and the packaged exporter. Servers restart one at
/// a time, replicas first and the primary last; Sentinels one at a time, each seeing a quorum again before the next.
/// redis.conf and sentinel.conf are seed-only (Redis and Sentinel rewrite them), so the site's replication safety and
/// monitoring settings are checked and set on the running server and Sentinel by guarded commands.
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
        Commands = (site, host) => ServerSettings(site, host).Concat(SentinelSettings(site, host)).Concat(FollowSentinelsMaster(site, host)),
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

    /// <summary>
    /// A data node that replicates from anything but the master the Sentinels report follows that master (REPLICAOF, then
    /// CONFIG REWRITE so a restart keeps it). redis.conf seeds a new member as a replica of the group's first member, which
    /// after a failover is itself a replica: Sentinel discovers replicas from the master's INFO, so a replica of a replica
    /// would never be reconfigured by it (found adding a fourth lab host, `hosts add`). A master is never touched, and
    /// nothing happens when no Sentinel answers (a first deployment, before they start; a new host before the firewalls of
    /// the others let it in).
    /// </summary>
    private static IEnumerable<GuardedCommand> FollowSentinelsMaster(Site site, Host host)
    {
        if (!host.Has(RedisComponent.Data) || !site.HostsWith(RedisComponent.Sentinel).Any()) yield break;
        var name = RemoteCommand.Quote(RedisRenderer.MasterName(site));
        var asked = string.Join(" ", site.HostsWith(RedisComponent.Sentinel).Select(h => $"{h.Address}:{h.Port(RedisComponent.SentinelPort)}"));
        // Sets $m to "IP PORT" from the first Sentinel that answers, and $st to master, follows (that master), unknown (no
        // Sentinel answered) or other. Bounded: until apply opened their firewalls to a new host, the Sentinels drop its
        // packets and redis-cli would wait forever (a plan of `hosts add` hung 600 s on it). So the plan cannot judge a new
        // replica (unknown: the command is planned), and the command judges again once apply opened the firewalls.
        var judge = $"m=$(for s in {asked}; do timeout 3 redis-cli -h \"${{s%:*}}\" -p \"${{s#*:}}\" sentinel get-master-addr-by-name {name} 2>/dev/null | paste -sd' ' - " +
                    "| grep -E '^[0-9.]+ [0-9]+$' && break; done); " +
                    $"info=$({RedisComponent.Cli(host)} info replication | tr -d '\\r'); " +
                    "if printf '%s\\n' \"$info\" | grep -qx 'role:master'; then st=master; elif [ -z \"$m\" ]; then st=unknown; " +
                    "elif [ \"$(printf '%s\\n' \"$info\" | sed -n 's/^master_host://p') $(printf '%s\\n' \"$info\" | sed -n 's/^master_port://p')\" = \"$m\" ]; then st=follows; " +
                    "else st=other; fi";
        yield return new GuardedCommand("follow-sentinels-master",
            $"{judge}; [ $st != other ] || {{ {RedisComponent.Cli(host)} replicaof $m | grep -q '^OK' && {RedisComponent.Cli(host)} config rewrite | grep -qx OK; }}",
            $"{judge}; [ $st = master ] || [ $st = follows ]",
            "this node replicates from another node than the master the Sentinels report, or no Sentinel answered");
    }

    private static IEnumerable<GuardedCommand> ServerSettings(Site site, Host host)
    {
        if (!host.Has(RedisComponent.Data)) yield break;
        var (check, set) = RedisRenderer.ServerSettings(site, host);
        yield return new GuardedCommand("redis-settings", set, check,
            "the running server's replication safety settings differ from the site's (CONFIG GET min-replicas-to-write, min-replicas-max-lag)");
    }

    private static IEnumerable<GuardedCommand> SentinelSettings(Site site, Host host)
    {
        if (!host.Has(RedisComponent.Sentinel)) yield break;
        var (check, set) = RedisRenderer.SentinelSettings(site, host);
        yield return new GuardedCommand("sentinel-settings", set, check,
            $"the running Sentinel's settings differ from the site's (SENTINEL MASTER {RedisRenderer.MasterName(site)})");
    }
}

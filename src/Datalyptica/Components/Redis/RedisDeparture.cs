using Datalyptica.Contracts;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Model;

namespace Datalyptica.Components.Redis;

/// <summary>
/// Redis members leaving the site. Sentinels never forget a replica they once saw: a data node that left stays listed
/// (down) until every Sentinel is reset, one after the other (redis.io, "High availability with Redis Sentinel",
/// "Removing Sentinels or replicas"). A Sentinel's own departure is refused: the quorum is written into sentinel.conf when
/// Sentinel first starts, and Sentinel owns that file afterwards.
/// </summary>
public static class RedisDeparture
{
    /// <summary>How long a Sentinel may take after its reset to see its peers again (they announce themselves every 2 s).</summary>
    public const int RediscoverSeconds = 60;

    public static readonly MemberDeparture DataNode = new()
    {
        AfterLeave =
        [
            new("Sentinel forgets the departed node (SENTINEL RESET), then sees a quorum again", DepartureTarget.EachRemainingMember, Reset, RedisComponent.Sentinel)
            {
                TimeoutSeconds = RediscoverSeconds + 10,
            },
        ],
    };

    public static readonly MemberDeparture Sentinel = new()
    {
        Refused = "a Sentinel's quorum is written into sentinel.conf when it first starts (Sentinel owns the file afterwards), and hosts remove does not " +
                  "reconfigure the remaining Sentinels yet. Fix: keep the host in the redis_sentinel group (redis.io, Sentinel docs, \"Removing Sentinels or replicas\").",
    };

    /// <summary>
    /// Run on each remaining Sentinel host against its own Sentinel: SENTINEL RESET answers the number of masters reset (1),
    /// then the Sentinel rediscovers the replicas from the master and its peers from the hello channel; ckquorum OK again
    /// before the next Sentinel is reset, so a majority always knows the master.
    /// </summary>
    private static string Reset(Site site, Host departing, Host sentinel)
    {
        var name = RemoteCommand.Quote(RedisRenderer.MasterName(site));
        var port = sentinel.Port(RedisComponent.SentinelPort);
        return $"redis-cli -p {port} sentinel reset {name} | grep -qx 1 && " +
               $"for i in $(seq {RediscoverSeconds}); do redis-cli -p {port} sentinel ckquorum {name} | grep -q '^OK' && exit 0; sleep 1; done; exit 1";
    }
}

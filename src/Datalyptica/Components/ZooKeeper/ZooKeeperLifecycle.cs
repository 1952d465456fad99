using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.ZooKeeper;

/// <summary>
/// Our zookeeper unit (the Debian package ships none). Members restart one at a time, each back in the ensemble before
/// the next, followers first and the leader last, so the apply costs at most one leader election.
/// </summary>
public static class ZooKeeperLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.FromPackage("zookeeper", "Debian zookeeper package"),
        Units =
        [
            new("zookeeper", UnitSource.Rendered, OnConfigChange.Restart)
                { Rolling = (_, host) => ZooKeeperComponent.Rolling(host) with { LeaderCheck = LeaderCheck(host) } },
        ],
    };

    /// <summary>Exit 0 when this member leads the ensemble: the srvr four-letter word answers "Mode: leader" (ZooKeeper Administrator's Guide).</summary>
    public static string LeaderCheck(Host host) =>
        $"exec 3<>/dev/tcp/{host.Address}/{host.Port(ZooKeeperComponent.Client)} && printf srvr >&3 && grep -q '^Mode: leader' <&3";
}

using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Etcd;

/// <summary>
/// Debian's etcd unit with our drop-in. Members restart one at a time, each healthy again before the next (a changed
/// etcd.conf.yml restarted every member at once on the lab: the cluster had no quorum until they were all back), and the
/// leader last, so the apply costs at most one leader election.
/// </summary>
public static class EtcdLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.FromPackage("etcd", "Debian etcd-server package"),
        Units =
        [
            new("etcd", UnitSource.PackageWithDropIn, OnConfigChange.Restart)
                { Rolling = (_, host) => EtcdComponent.Rolling(host) with { LeaderCheck = LeaderCheck(host) } },
        ],
    };

    /// <summary>
    /// Exit 0 when this member is the Raft leader: etcd_server_is_leader is 1 on the leader and 0 elsewhere
    /// (etcd docs, "Metrics": server), read from the plain-HTTP metrics listener so no client certificate is needed.
    /// </summary>
    public static string LeaderCheck(Host host) =>
        $"exec 3<>/dev/tcp/{host.Address}/{host.Port(EtcdComponent.Metrics)} && printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '^etcd_server_is_leader 1' <&3";
}

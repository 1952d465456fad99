using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;

namespace Datalyptica.Components.Etcd;

/// <summary>Who calls etcd's ports.</summary>
public static class EtcdAccess
{
    public static IReadOnlyList<Access> Firewall { get; } =
    [
        new("etcd_client", EtcdComponent.Member, EtcdComponent.Client, [Patroni.PatroniComponent.Member, EtcdComponent.Member], "Patroni's DCS; members"),
        new("etcd_metrics", EtcdComponent.Member, EtcdComponent.Metrics, [PrometheusComponent.Server], "plain-HTTP /metrics and /health for Prometheus"),
        new("etcd_peer", EtcdComponent.Member, EtcdComponent.Peer, [EtcdComponent.Member], "Raft between members only"),
    ];
}

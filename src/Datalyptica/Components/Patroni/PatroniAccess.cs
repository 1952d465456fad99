using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;

namespace Datalyptica.Components.Patroni;

/// <summary>Who calls Patroni's REST API.</summary>
public static class PatroniAccess
{
    public static IReadOnlyList<Access> Firewall { get; } =
    [
        new("patroni_rest", PatroniComponent.Member, PatroniComponent.RestApi, [HAProxy.HAProxyComponent.Node, PatroniComponent.Member, PrometheusComponent.Server],
            "HAProxy httpchk (/primary, /replica), Patroni members check each other before failover, /metrics"),
    ];
}

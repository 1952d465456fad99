using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;

namespace Datalyptica.Components.Trino;

/// <summary>Who calls Trino's ports, and its route on the HTTPS front door.</summary>
public static class TrinoAccess
{
    public static IReadOnlyList<Access> Firewall { get; } =
    [
        new("trino_coordinator", TrinoComponent.Coordinator, TrinoComponent.Http,
            [TrinoComponent.Coordinator, TrinoComponent.Worker, HAProxy.HAProxyComponent.Node, Superset.SupersetComponent.Server, .. CallerGroups.Notebooks, PrometheusComponent.Server],
            "workers announce and report; clients through HAProxy; Superset, notebooks, DAGs; /metrics"),
        new("trino_worker", TrinoComponent.Worker, TrinoComponent.Http, [TrinoComponent.Coordinator, TrinoComponent.Worker, PrometheusComponent.Server],
            "the coordinator schedules tasks; workers exchange data"),
    ];

    public static IReadOnlyList<HttpRoute> Routes { get; } =
    [
        new("trino", "/trino", TrinoComponent.Coordinator, TrinoComponent.Http, TrinoHealth.InfoPath,
            "one active coordinator; the standby is a backup server so only one coordinator gets worker announcements. " +
            "The Trino UI has no sub-path support (absolute /ui/ links): trino.<domain>, /trino redirects there")
        {
            HostPrefix = "trino", ActivePassive = true, ExpectBody = TrinoHealth.StartedPattern, ReadyExample = TrinoHealth.StartedInfoExample, ServerTimeoutSeconds = 300, Order = 20,
        },
    ];
}

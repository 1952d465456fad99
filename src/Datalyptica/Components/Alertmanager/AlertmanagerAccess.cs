using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;

namespace Datalyptica.Components.Alertmanager;

/// <summary>Who calls Alertmanager's ports.</summary>
public static class AlertmanagerAccess
{
    public static IReadOnlyList<Access> Firewall { get; } =
    [
        new("alertmanager", AlertmanagerComponent.Server, AlertmanagerComponent.Http,
            [PrometheusComponent.Server, Grafana.GrafanaComponent.Server, AlertmanagerComponent.Server],
            "Prometheus sends alerts to every Alertmanager directly (never through a load balancer); Grafana"),
        new("alertmanager_cluster", AlertmanagerComponent.Server, AlertmanagerComponent.Cluster, [AlertmanagerComponent.Server], "gossip (TCP and UDP)"),
    ];
}

using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;

namespace Datalyptica.Components.Grafana;

/// <summary>Who calls Grafana's ports, and its route on the HTTPS front door.</summary>
public static class GrafanaAccess
{
    public static IReadOnlyList<Access> Firewall { get; } =
    [
        new("grafana", GrafanaComponent.Server, GrafanaComponent.Http, [HAProxy.HAProxyComponent.Node, PrometheusComponent.Server], "through HAProxy (/grafana); /metrics"),
        new("grafana_alerting_ha", GrafanaComponent.Server, GrafanaComponent.AlertingHa, [GrafanaComponent.Server], "alerting HA gossip (TCP and UDP)"),
    ];

    public static IReadOnlyList<HttpRoute> Routes { get; } =
    [
        new("grafana", "/grafana", GrafanaComponent.Server, GrafanaComponent.Http, GrafanaHealth.HealthPath,
            "Grafana serves under root_url .../grafana/ with serve_from_sub_path=true; /api/health answers with or without the prefix")
        { Order = 10 },
    ];
}

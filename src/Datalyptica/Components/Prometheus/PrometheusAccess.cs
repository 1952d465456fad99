using Datalyptica.Contracts;

namespace Datalyptica.Components.Prometheus;

/// <summary>Who calls Prometheus, and its route on the HTTPS front door.</summary>
public static class PrometheusAccess
{
    public static IReadOnlyList<Access> Firewall { get; } =
    [
        new("prometheus", PrometheusComponent.Server, PrometheusComponent.Http,
            [PrometheusComponent.Server, Grafana.GrafanaComponent.Server, HAProxy.HAProxyComponent.Node],
            "federation between the pair, Grafana datasource, /prometheus via HAProxy"),
    ];

    public static IReadOnlyList<HttpRoute> Routes { get; } =
    [
        new("prometheus", "/prometheus", PrometheusComponent.Server, PrometheusComponent.Http, "/prometheus/-/ready",
            "--web.external-url=https://<domain>/prometheus/ moves every route under /prometheus. The pair scrape " +
            "independently, so users see one of them (backup) rather than alternating between slightly different data")
        { ActivePassive = true, Order = 50 },
    ];
}

using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;

namespace Datalyptica.Components.Loki;

/// <summary>Who calls Loki's ports.</summary>
public static class LokiAccess
{
    public static IReadOnlyList<Access> Firewall { get; } =
    [
        new("loki_http", LokiComponent.Server, LokiComponent.Http, [LokiComponent.Server, Grafana.GrafanaComponent.Server, PrometheusComponent.Server],
            "every host's log shipper pushes here; Grafana queries; /metrics") { AllHosts = true },
        new("loki_grpc", LokiComponent.Server, LokiComponent.Grpc, [LokiComponent.Server], "distributor/querier to ingester"),
        new("loki_memberlist", LokiComponent.Server, LokiComponent.Memberlist, [LokiComponent.Server], "ring gossip (TCP and UDP)"),
    ];
}

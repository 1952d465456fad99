using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;

namespace Datalyptica.Components.Alloy;

/// <summary>Who calls Alloy's port: only Prometheus (its /metrics). Alloy calls out to Loki (LokiAccess lets every host in).</summary>
public static class AlloyAccess
{
    public static IReadOnlyList<Access> Firewall { get; } =
    [
        new("alloy_http", AlloyComponent.Agent, AlloyComponent.Http, [PrometheusComponent.Server], "Prometheus scrapes /metrics"),
    ];
}

using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;

namespace Datalyptica.Components.Nessie;

/// <summary>Who calls Nessie's ports, and its route on the HTTPS front door.</summary>
public static class NessieAccess
{
    public static IReadOnlyList<Access> Firewall { get; } =
    [
        new("nessie_api", NessieComponent.Server, NessieComponent.Api, [HAProxy.HAProxyComponent.Node, .. CallerGroups.Engines, .. CallerGroups.Notebooks],
            "Iceberg REST/Nessie API for engines and notebooks; /nessie via HAProxy"),
        new("nessie_management", NessieComponent.Server, NessieComponent.Management, [HAProxy.HAProxyComponent.Node, PrometheusComponent.Server],
            "Quarkus health (HAProxy check) and metrics"),
    ];

    public static IReadOnlyList<HttpRoute> Routes { get; } =
    [
        new("nessie", "/nessie", NessieComponent.Server, NessieComponent.Api, NessieHealth.ReadyPath,
            "Nessie serves its API at the root (/api/v2): HAProxy strips /nessie. Health is Quarkus readiness on the management port")
        { StripPrefix = true, HealthPort = NessieComponent.Management, Order = 70 },
    ];
}

using Datalyptica.Contracts;

namespace Datalyptica.Components.Superset;

/// <summary>Who calls Superset, and its route on the HTTPS front door.</summary>
public static class SupersetAccess
{
    public static IReadOnlyList<Access> Firewall { get; } =
    [
        new("superset", SupersetComponent.Server, SupersetComponent.Http, [HAProxy.HAProxyComponent.Node], "through HAProxy (superset.<domain>)"),
    ];

    public static IReadOnlyList<HttpRoute> Routes { get; } =
    [
        new("superset", "/superset", SupersetComponent.Server, SupersetComponent.Http, SupersetHealth.HealthPath,
            "Superset 4.1 cannot run under a sub-path (SUPERSET_APP_ROOT arrives in 5.0, apache/superset #33228): " +
            "it gets superset.<domain>, and the reference design's /superset redirects there")
        { HostPrefix = "superset", ServerTimeoutSeconds = 300, Order = 100 },
    ];
}

using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;

namespace Datalyptica.Components.JupyterHub;

/// <summary>Who calls JupyterHub's ports, and its route on the HTTPS front door.</summary>
public static class JupyterHubAccess
{
    public static IReadOnlyList<Access> Firewall { get; } =
    [
        new("jupyterhub_proxy", JupyterHubComponent.Server, JupyterHubComponent.Proxy, [HAProxy.HAProxyComponent.Node], "users through HAProxy (/jupyter)"),
        new("jupyterhub_hub", JupyterHubComponent.Server, JupyterHubComponent.Hub, [JupyterHubComponent.Server, PrometheusComponent.Server],
            "hub API (peer takes over), /hub/metrics"),
    ];

    public static IReadOnlyList<HttpRoute> Routes { get; } =
    [
        new("jupyter", "/jupyter", JupyterHubComponent.Server, JupyterHubComponent.Proxy, JupyterHubHealth.HealthPath,
            "JupyterHub base_url=/jupyter/; active/passive only: one hub owns the proxy's routing table")
        { ActivePassive = true, Order = 40 },
    ];
}

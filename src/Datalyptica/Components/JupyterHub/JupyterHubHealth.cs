using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.JupyterHub;

/// <summary>
/// JupyterHub: GET {base_url}hub/health answers 200 without authentication (JupyterHub's HealthCheckHandler, the check the
/// Helm chart and HAProxy use). Asked through the proxy port, it proves both the proxy and the hub behind it.
/// </summary>
public sealed class JupyterHubHealth : IHealthProbe
{
    public const string HealthPath = "/jupyter/hub/health";

    public static ProbeOutcome Judge(int status, string body) => ProbeOutcome.When(status == 200, status == 200 ? "hub answers through the proxy" : ProbeKit.Short(body));

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation) =>
        await ProbeKit.PerHostAsync(context, context.Hosts, host =>
            [ProbeKit.HttpAsync(context, host, "hub health", JupyterHubComponent.Proxy, HealthPath, Judge, cancellation)]);
}

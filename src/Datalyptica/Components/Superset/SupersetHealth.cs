using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.Superset;

/// <summary>Superset: GET /health answers 200 "OK" (superset/views/health.py; the configuring-superset docs' load balancer check).</summary>
public sealed class SupersetHealth : IHealthProbe
{
    public const string HealthPath = "/health";

    public static ProbeOutcome Judge(int status, string body) => ProbeKit.OkWithBody(status, body, "OK");

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation) =>
        await ProbeKit.PerHostAsync(context, context.Hosts, host =>
            [ProbeKit.HttpAsync(context, host, "health", SupersetComponent.Http, HealthPath, Judge, cancellation)]);
}

using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.Loki;

/// <summary>
/// Loki: GET /ready answers 200 "ready" once the ring is joined, 503 with the reason before (Loki HTTP API, "GET /ready").
/// </summary>
public sealed class LokiHealth : IHealthProbe
{
    public const string ReadyPath = "/ready";

    public static ProbeOutcome Judge(int status, string body) => ProbeKit.OkWithBody(status, body, "ready");

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation) =>
        await ProbeKit.PerHostAsync(context, context.Hosts, host =>
            [ProbeKit.HttpAsync(context, host, "ready", LokiComponent.Http, ReadyPath, Judge, cancellation)]);
}

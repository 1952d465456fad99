using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.Alloy;

/// <summary>
/// Alloy: GET /-/ready answers 200 "Alloy is ready." once its configuration is loaded, 503 "Alloy is not ready." before
/// (grafana/alloy internal/service/http/http.go).
/// </summary>
public sealed class AlloyHealth : IHealthProbe
{
    public const string ReadyPath = "/-/ready";

    public static ProbeOutcome Judge(int status, string body) => ProbeKit.OkWithBody(status, body, "Alloy is ready.");

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation) =>
        await ProbeKit.PerHostAsync(context, context.Hosts, host =>
            [ProbeKit.HttpAsync(context, host, "ready", AlloyComponent.Http, ReadyPath, Judge, cancellation)]);
}

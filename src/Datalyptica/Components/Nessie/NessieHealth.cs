using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.Nessie;

/// <summary>
/// Nessie (a Quarkus server): GET /q/health/ready on the management port answers 200 with {"status":"UP"}, or 503 with
/// "DOWN" and the failing checks (Quarkus management interface reference and SmallRye Health guide, quarkus.io/guides).
/// </summary>
public sealed class NessieHealth : IHealthProbe
{
    public const string ReadyPath = "/q/health/ready";

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation) =>
        await ProbeKit.PerHostAsync(context, context.Hosts, host =>
            [ProbeKit.HttpAsync(context, host, "ready", NessieComponent.Management, ReadyPath, MicroProfileHealth.Judge, cancellation)]);
}

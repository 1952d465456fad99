using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.Keycloak;

/// <summary>
/// Keycloak: GET /health/ready on the management port answers 200 {"status":"UP"} or 503 with the failing checks
/// (keycloak.org/observability/health). The rendered keycloak.conf sets http-management-relative-path=/, so health is at
/// the management root, not under /auth.
/// </summary>
public sealed class KeycloakHealth : IHealthProbe
{
    public const string ReadyPath = "/health/ready";

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation) =>
        await ProbeKit.PerHostAsync(context, context.Hosts, host =>
            [ProbeKit.HttpAsync(context, host, "ready", KeycloakComponent.Management, ReadyPath, MicroProfileHealth.Judge, cancellation)]);
}

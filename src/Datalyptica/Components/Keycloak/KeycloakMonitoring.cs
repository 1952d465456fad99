using Datalyptica.Contracts;

namespace Datalyptica.Components.Keycloak;

/// <summary>Keycloak's scrape job.</summary>
public static class KeycloakMonitoring
{
    public static IReadOnlyList<ScrapeJob> Jobs { get; } =
    [
        new("keycloak", [KeycloakComponent.Server], KeycloakComponent.Management, "/auth/metrics")
        {
            Why = "metrics-enabled=true, on the management port; its path inherits http-relative-path=/auth (Keycloak 26 management interface guide)",
            Order = 110,
        },
    ];
}

using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;

namespace Datalyptica.Components.Keycloak;

/// <summary>Who calls Keycloak's ports, and its route on the HTTPS front door.</summary>
public static class KeycloakAccess
{
    public static IReadOnlyList<Access> Firewall { get; } =
    [
        new("keycloak_http", KeycloakComponent.Server, KeycloakComponent.Http, [HAProxy.HAProxyComponent.Node, .. CallerGroups.OidcClients],
            "users through HAProxy (/auth); OIDC back channel (token, JWKS) from the apps"),
        new("keycloak_management", KeycloakComponent.Server, KeycloakComponent.Management, [HAProxy.HAProxyComponent.Node, PrometheusComponent.Server],
            "health (HAProxy check) and metrics"),
        new("keycloak_jgroups", KeycloakComponent.Server, KeycloakComponent.JGroups, [KeycloakComponent.Server], "Infinispan cluster transport"),
        // JGroups FD_SOCK2 listens on the transport port + 50000 (port_offset default, JGroups 5 docs).
        new("keycloak_fd_sock", KeycloakComponent.Server, KeycloakComponent.JGroups, [KeycloakComponent.Server], "JGroups failure detection (FD_SOCK2)") { Offset = 50000 },
    ];

    public static IReadOnlyList<HttpRoute> Routes { get; } =
    [
        new("auth", "/auth", KeycloakComponent.Server, KeycloakComponent.Http, "/auth/health/ready",
            "Keycloak http-relative-path=/auth; health on the management port, which inherits the relative path (Keycloak 26). " +
            "Sessions are replicated (Infinispan); stickiness only saves remote cache lookups")
        { HealthPort = KeycloakComponent.Management, Sticky = true, Order = 60 },
    ];
}

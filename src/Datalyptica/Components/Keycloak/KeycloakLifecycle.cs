using Datalyptica.Contracts;

namespace Datalyptica.Components.Keycloak;

/// <summary>Keycloak runs as its own system user; we render its units. They restart on any change of its files.</summary>
public static class KeycloakLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own("keycloak", "Datalyptica Keycloak"),
        Units =
        [
            new("keycloak", UnitSource.Rendered, OnConfigChange.Restart),
        ],
    };
}

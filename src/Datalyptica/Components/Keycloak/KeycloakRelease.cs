using Datalyptica.Contracts;

namespace Datalyptica.Components.Keycloak;

/// <summary>Keycloak's server distribution from its GitHub release (keycloak.org/downloads), with the .sha1 published beside it.</summary>
public static class KeycloakRelease
{
    public static readonly ArtifactRelease V26_0_7 = new("keycloak", "26.0.7",
        "https://github.com/keycloak/keycloak/releases/download/26.0.7/keycloak-26.0.7.tar.gz",
        new("https://github.com/keycloak/keycloak/releases/download/26.0.7/keycloak-26.0.7.tar.gz.sha1", ChecksumAlgorithm.Sha1, ChecksumFormat.Bare))
    {
        TopFolder = "keycloak-26.0.7",
        EntryPrograms = ["bin/kc.sh"],
        ApproximateMb = 180,
    };

    public static readonly IReadOnlyList<ArtifactRelease> All = [V26_0_7];
}

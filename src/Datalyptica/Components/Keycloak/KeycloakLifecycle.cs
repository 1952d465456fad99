using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Keycloak;

/// <summary>
/// Keycloak runs as its own system user; we render its units. They restart on any change of its files. Its unit starts
/// <c>kc.sh start --optimized</c>, so <c>kc.sh build</c> runs first, and again whenever a build option or the version
/// changes.
/// </summary>
public static class KeycloakLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own("keycloak", "Datalyptica Keycloak"),
        Units =
        [
            new("keycloak", UnitSource.Rendered, OnConfigChange.Restart),
        ],
        Commands = Build,
    };

    /// <summary>
    /// "Optimize the Keycloak startup" (https://www.keycloak.org/server/configuration#_optimize_the_keycloak_startup):
    /// run <c>kc.sh build</c> with the build options, then <c>kc.sh start --optimized</c>. Every member, before its unit,
    /// guarded by a stamp: the build options file (no secret) copied beside the build after a successful one, in the
    /// versioned install folder, so a new version builds again too. A changed options file runs it by itself (the guard
    /// still reads the old file at plan time) and restarts the unit. The build reads conf/keycloak.conf as root (the
    /// install folder is root's); it connects to nothing and prints no secret.
    /// </summary>
    private static IEnumerable<GuardedCommand> Build(Site site, Host host)
    {
        if (!host.Has(KeycloakComponent.Server)) yield break;
        var install = KeycloakRenderer.Install(site);
        var options = KeycloakRenderer.BuildOptionsPath(site);
        var stamp = KeycloakRenderer.BuiltStampPath(site);
        yield return new GuardedCommand("keycloak-build",
            $"cd {install} && bin/kc.sh build && cp {options} {stamp}",
            $"cmp -s {options} {stamp}", $"{stamp} does not match the build options (never built, or built with others)")
        {
            When = CommandPhase.BeforeServices,
            OnChangeOfFiles = [options],
        };
    }
}

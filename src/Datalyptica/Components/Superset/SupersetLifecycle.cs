using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Superset;

/// <summary>
/// Superset runs as its own system user; we render its units. They restart on any change of its files. The metadata
/// database is upgraded and the default roles and permissions created once per version by one member
/// (<c>superset db upgrade</c>, <c>superset init</c>: superset.apache.org/docs/installation/pypi).
/// </summary>
public static class SupersetLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own("superset", "Datalyptica Superset"),
        Units =
        [
            new("superset", UnitSource.Rendered, OnConfigChange.Restart),
        ],
        Commands = DbUpgradeAndInit,
    };

    /// <summary>
    /// On the first Superset host in inventory order; SQLALCHEMY_DATABASE_URI comes from superset_config.py (0640
    /// root:superset) through SUPERSET_CONFIG_PATH. No admin user is created here: users log in through Keycloak and
    /// get Admin from their group (AUTH_ROLES_MAPPING, SupersetRenderer); docs/PYTHON-APPS.md says what a site without
    /// Keycloak does.
    /// </summary>
    private static IEnumerable<GuardedCommand> DbUpgradeAndInit(Site site, Host host)
    {
        // Declared on every member of the role; the planner runs it on the first one only (OnOneMemberOf).
        if (!host.Has(SupersetComponent.Server)) yield break;
        var version = PythonAppSchema.Version(site, ComponentCatalog.Find(SupersetRenderer.Id)!);
        var superset = PythonAppSchema.Bin(SupersetRenderer.Id, version, "superset");
        yield return PythonAppSchema.OncePerVersion("superset-db-upgrade", SupersetRenderer.Id, version, SupersetRenderer.User,
            "superset db upgrade + superset init",
            [("SUPERSET_CONFIG_PATH", SupersetRenderer.ConfigPath), ("PYTHONPATH", Contracts.Rendering.PlatformPaths.Config(SupersetRenderer.Id))], SupersetComponent.Server,
            $"{superset} db upgrade", $"{superset} init");
    }
}

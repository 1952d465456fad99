using Datalyptica.Components.PostgreSQL;
using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Components.Patroni;

/// <summary>
/// The application databases and roles apply creates (AppDatabases) must be each component's own: one role or database
/// declared by two components would be owned by one and shared by both, and a platform name (the superuser, the replication,
/// rewind and monitor roles, PostgreSQL's reserved pg_* roles, its template databases) would be rewritten or refused.
/// Names a site can choose are Nessie's (nessie_db_name, nessie_db_user).
/// </summary>
public sealed class AppDatabasesRule : IValidationRule
{
    private static readonly HashSet<string> PlatformRoles =
        [PostgresLayout.Superuser, PostgresLayout.ReplicationUser, PostgresLayout.RewindUser, PostgresLayout.MonitorUser, "public", "none"];
    private static readonly HashSet<string> PlatformDatabases = ["postgres", "template0", "template1"];

    public IEnumerable<Diagnostic> Check(Site site)
    {
        if (!site.HostsWith(PatroniComponent.Member).Any()) yield break;
        var declared = AppDatabases.For(site);
        foreach (var (component, db) in declared)
        {
            if (PlatformRoles.Contains(db.Role) || db.Role.StartsWith("pg_", StringComparison.Ordinal))
                yield return Finding($"{component.DisplayName}'s PostgreSQL role '{db.Role}' is a platform role: apply would leave it alone and fail.",
                    $"give {component.DisplayName} a role of its own (nessie_db_user for Nessie).", site);
            if (PlatformDatabases.Contains(db.Database))
                yield return Finding($"{component.DisplayName}'s PostgreSQL database '{db.Database}' is a platform database.",
                    $"give {component.DisplayName} a database of its own (nessie_db_name for Nessie).", site);
        }
        foreach (var (name, kind, users) in declared.GroupBy(d => d.Database.Role).Select(g => (g.Key, "role", g.ToList()))
                     .Concat(declared.GroupBy(d => d.Database.Database).Select(g => (g.Key, "database", g.ToList())))
                     .Where(x => x.Item3.Select(d => d.Component).Distinct().Count() > 1))
            yield return Finding($"{string.Join(" and ", users.Select(d => d.Component.DisplayName))} both use the PostgreSQL {kind} '{name}'; " +
                "each application needs its own database and role.", $"rename one (nessie_db_{(kind == "role" ? "user" : "name")} for Nessie).", site);
    }

    // The names a site chooses are Nessie's: point at where it sets them, else at the site.
    private static Diagnostic Finding(string message, string fix, Site site)
    {
        var set = new[] { Nessie.NessieSettings.DatabaseUser, Nessie.NessieSettings.DatabaseName }.FirstOrDefault(s => s.Find(site) is not null);
        return new(FindingCodes.AppDatabaseConflict, message, fix, set?.Find(site)?.Source ?? site.Source, set?.Key);
    }
}

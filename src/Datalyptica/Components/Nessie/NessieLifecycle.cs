using Datalyptica.Contracts;

namespace Datalyptica.Components.Nessie;

/// <summary>
/// Nessie runs as its own system user; we render its units. They restart on any change of its files.
/// First start needs no step of ours: with nessie.version.store.type=JDBC2 the server sets up its schema when it starts
/// (the refs and objs tables are created when absent and checked when present; a table another member created at the
/// same moment is re-checked, not an error) and initialises the repository with its default branch
/// (https://projectnessie.org/nessie-latest/configuration/, "JDBC Version Store Settings"; Jdbc2Backend.setupSchema in
/// https://github.com/projectnessie/nessie). Its database and role are the application-database work (not this step).
/// </summary>
public static class NessieLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own("nessie", "Datalyptica Nessie"),
        Units =
        [
            new("nessie", UnitSource.Rendered, OnConfigChange.Restart),
        ],
    };
}

using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Airflow;

/// <summary>
/// Airflow runs as its own system user; we render its units. They restart on any change of its files. The metadata
/// database is migrated once per version by one member (<c>airflow db migrate</c>,
/// airflow.apache.org/docs/apache-airflow/stable/howto/set-up-database.html).
/// </summary>
public static class AirflowLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own("airflow", "Datalyptica Airflow"),
        Units =
        [
            new("airflow-scheduler", UnitSource.Rendered, OnConfigChange.Restart),
            new("airflow-triggerer", UnitSource.Rendered, OnConfigChange.Restart),
            new(AirflowRenderer.WorkerUnit, UnitSource.Rendered, OnConfigChange.Restart),
            new("airflow-webserver", UnitSource.Rendered, OnConfigChange.Restart),
        ],
        Commands = DbMigrate,
    };

    /// <summary>
    /// <c>airflow db migrate</c> (creates the schema on an empty database, upgrades it otherwise) on the first scheduler
    /// host in inventory order. It reads sql_alchemy_conn from airflow.cfg (0640 root:airflow) through AIRFLOW_CONFIG.
    /// </summary>
    private static IEnumerable<GuardedCommand> DbMigrate(Site site, Host host)
    {
        // Declared on every member of the role; the planner runs it on the first one only (OnOneMemberOf).
        if (!host.Has(AirflowComponent.Scheduler)) yield break;
        var version = PythonAppSchema.Version(site, ComponentCatalog.Find(AirflowRenderer.Id)!);
        yield return PythonAppSchema.OncePerVersion("airflow-db-migrate", AirflowRenderer.Id, version, AirflowRenderer.User, "airflow db migrate",
            [("AIRFLOW_HOME", AirflowRenderer.Home), ("AIRFLOW_CONFIG", AirflowRenderer.CfgPath)], AirflowComponent.Scheduler,
            $"{PythonAppSchema.Bin(AirflowRenderer.Id, version, "airflow")} db migrate");
    }
}

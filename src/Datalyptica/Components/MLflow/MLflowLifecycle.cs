using Datalyptica.Contracts;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Model;

namespace Datalyptica.Components.MLflow;

/// <summary>
/// MLflow runs as its own system user; we render its units. They restart on any change of its files. The tracking
/// schema is brought to the version's head once per version by one member (<c>mlflow db upgrade</c>,
/// mlflow.org/docs/latest/cli.html#mlflow-db-upgrade), never by several servers at once.
/// </summary>
public static class MLflowLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own("mlflow", "Datalyptica MLflow"),
        Units =
        [
            new("mlflow", UnitSource.Rendered, OnConfigChange.Restart),
        ],
        Commands = DbUpgrade,
    };

    /// <summary>
    /// `mlflow db upgrade URL` takes the URL (with its password) as an argument, visible in /proc to every user, so the
    /// same click command is called in-process with the URL read from mlflow.env (0640 root:mlflow). On an empty
    /// database `db upgrade` fails (its first migration alters tables the initial schema creates), so there it does what
    /// `mlflow server` does on first start: the initial tables, then every migration (mlflow.store.db.utils, pinned version).
    /// </summary>
    public const string UpgradeScript =
        "import sys; from mlflow.db import commands; from mlflow.store.db import utils; " +
        "url = next(l.rstrip('\\n').split('=', 1)[1] for l in open(sys.argv[1]) if l.startswith('MLFLOW_BACKEND_STORE_URI=')); " +
        "engine = utils.create_sqlalchemy_engine_with_retry(url); " +
        "commands(['upgrade', url], prog_name='mlflow db') if utils._all_tables_exist(engine) else utils._initialize_tables(engine)";

    private static IEnumerable<GuardedCommand> DbUpgrade(Site site, Host host)
    {
        // Declared on every member of the role; the planner runs it on the first one only (OnOneMemberOf).
        if (!host.Has(MLflowComponent.Server)) yield break;
        var version = PythonAppSchema.Version(site, ComponentCatalog.Find(MLflowRenderer.Id)!);
        yield return PythonAppSchema.OncePerVersion("mlflow-db-upgrade", MLflowRenderer.Id, version, MLflowRenderer.User, "mlflow db upgrade", [], MLflowComponent.Server,
            $"{PythonAppSchema.Bin(MLflowRenderer.Id, version, "python")} -c {RemoteCommand.Quote(UpgradeScript)} {MLflowRenderer.EnvPath}");
    }
}

using Datalyptica.Components.OsBaseLayer;
using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;

namespace Datalyptica.Components.Spark;

/// <summary>Who calls Spark's ports.</summary>
public static class SparkAccess
{
    private static readonly IReadOnlyList<RoleDefinition> Executors = [SparkComponent.Master, SparkComponent.Worker, .. CallerGroups.Notebooks];

    public static IReadOnlyList<Access> Firewall { get; } =
    [
        new("spark_master", SparkComponent.Master, SparkComponent.MasterPort, Executors, "workers register; drivers (notebooks, DAGs) submit applications"),
        new("spark_master_ui", SparkComponent.Master, SparkComponent.MasterUi, [SparkComponent.Master, PrometheusComponent.Server], "UI for operators, /metrics/prometheus")
            { Networks = Networks.Admin },
        new("spark_worker", SparkComponent.Worker, SparkComponent.WorkerPort, [SparkComponent.Master, SparkComponent.Worker], "the master launches executors"),
        new("spark_worker_ui", SparkComponent.Worker, SparkComponent.WorkerUi, [SparkComponent.Master, PrometheusComponent.Server], "worker UI, linked from the master UI")
            { Networks = Networks.Admin },
        new("spark_history", SparkComponent.History, SparkComponent.HistoryUi, [PrometheusComponent.Server], "history server UI") { Networks = Networks.Admin },
        // Spark executors and drivers talk on ports Spark picks at random (spark.driver.port, spark.blockManager.port
        // default 0) from the kernel's ephemeral range (net.ipv4.ip_local_port_range, set by the sysctl file). They are
        // Spark's ports even where the driver runs inside another component (notebooks, DAGs), so Spark declares them.
        .. new[] { SparkComponent.Worker, JupyterHub.JupyterHubComponent.Server, Airflow.AirflowComponent.Scheduler }.Select(server =>
            new Access("spark_ephemeral_" + server.Group, server, null, Executors,
                "Spark driver/executor/block-manager ports (random unless the Spark config pins them)") { Range = FirewallPolicy.EphemeralRange }),
    ];
}

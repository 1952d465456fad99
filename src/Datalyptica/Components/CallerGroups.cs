using Datalyptica.Contracts;

namespace Datalyptica.Components;

/// <summary>
/// Groups of calling roles that many components' firewall entries share (<see cref="ComponentDefinition.Firewall"/>).
/// Only groups used by more than one component live here; a component's own callers stay in its folder.
/// </summary>
public static class CallerGroups
{
    /// <summary>Roles that run Spark/Flink drivers, Trino and Kafka clients for users (notebooks, DAGs).</summary>
    public static readonly IReadOnlyList<RoleDefinition> Notebooks = [JupyterHub.JupyterHubComponent.Server, Airflow.AirflowComponent.Scheduler];

    /// <summary>The processing and query engines' roles.</summary>
    public static readonly IReadOnlyList<RoleDefinition> Engines =
    [
        Spark.SparkComponent.Master, Spark.SparkComponent.Worker, Spark.SparkComponent.History, Flink.FlinkComponent.JobManager,
        Flink.FlinkComponent.TaskManager, Trino.TrinoComponent.Coordinator, Trino.TrinoComponent.Worker,
    ];

    /// <summary>Applications that log users in with OIDC against Keycloak (back channel: token and JWKS endpoints).</summary>
    public static readonly IReadOnlyList<RoleDefinition> OidcClients =
    [
        Grafana.GrafanaComponent.Server, Airflow.AirflowComponent.Web, JupyterHub.JupyterHubComponent.Server, Superset.SupersetComponent.Server,
        MLflow.MLflowComponent.Server, Trino.TrinoComponent.Coordinator, Nessie.NessieComponent.Server,
    ];
}

using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;

namespace Datalyptica.Components.Flink;

/// <summary>Who calls Flink's ports.</summary>
public static class FlinkAccess
{
    public static IReadOnlyList<Access> Firewall { get; } =
    [
        new("flink_rest", FlinkComponent.JobManager, FlinkComponent.Rest,
            [FlinkComponent.JobManager, FlinkComponent.TaskManager, .. CallerGroups.Notebooks, PrometheusComponent.Server],
            "job submission (CLI/DAGs), UI for operators") { Networks = Networks.Admin },
        new("flink_rpc", FlinkComponent.JobManager, FlinkComponent.Rpc, [FlinkComponent.JobManager, FlinkComponent.TaskManager], "Pekko RPC from TaskManagers"),
        new("flink_blob", FlinkComponent.JobManager, FlinkComponent.Blob, [FlinkComponent.JobManager, FlinkComponent.TaskManager], "job jars and artifacts"),
        new("flink_tm_rpc", FlinkComponent.TaskManager, FlinkComponent.TaskManagerRpc, [FlinkComponent.JobManager, FlinkComponent.TaskManager], "JobManager deploys tasks"),
        new("flink_tm_data", FlinkComponent.TaskManager, FlinkComponent.TaskManagerData, [FlinkComponent.TaskManager], "shuffle between TaskManagers"),
    ];
}

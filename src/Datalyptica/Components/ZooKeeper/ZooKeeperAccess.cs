using Datalyptica.Components.Flink;
using Datalyptica.Contracts;

namespace Datalyptica.Components.ZooKeeper;

/// <summary>Who calls ZooKeeper's ports.</summary>
public static class ZooKeeperAccess
{
    public static IReadOnlyList<Access> Firewall { get; } =
    [
        new("zookeeper_client", ZooKeeperComponent.Member, ZooKeeperComponent.Client,
            [Spark.SparkComponent.Master, FlinkComponent.JobManager, FlinkComponent.TaskManager, ZooKeeperComponent.Member],
            "Spark master and Flink HA leader election/retrieval (TaskManagers find the leader through ZooKeeper)"),
        new("zookeeper_quorum", ZooKeeperComponent.Member, ZooKeeperComponent.Quorum, [ZooKeeperComponent.Member], "ZAB followers to leader"),
        new("zookeeper_election", ZooKeeperComponent.Member, ZooKeeperComponent.Election, [ZooKeeperComponent.Member], "leader election"),
    ];
}

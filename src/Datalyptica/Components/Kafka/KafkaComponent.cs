using Datalyptica.Model;

namespace Datalyptica.Components.Kafka;

/// <summary>Kafka in KRaft mode with dedicated controllers and brokers (combined mode is not for production).</summary>
public sealed class KafkaComponent : ComponentDefinition
{
    public static readonly PortSpec BrokerPort = new("broker", 9092, "kafka_broker_port");
    public static readonly PortSpec ControllerPort = new("controller", 9093, "kafka_controller_port");

    public static readonly RoleDefinition Controller = Role("kafka_controller", "KRaft controller", new(1, 4, 20),
        new(3, MustBeOdd: true, Maximum: 5, Why: "the KRaft quorum needs a majority; 3 or 5 controllers"),
        ControllerPort);

    public static readonly RoleDefinition Broker = Role("kafka_broker", "broker", new(2, 8, 500),
        new(3, Why: "replication factor 3 needs 3 brokers"), BrokerPort);

    public const string ReplicationFactorKey = "kafka_replication_factor";
    public const string MinInsyncReplicasKey = "kafka_min_insync_replicas";
    public const string ClusterIdKey = "kafka_cluster_id";
    public const int DefaultReplicationFactor = 3;
    public const int DefaultMinInsyncReplicas = 2;

    public override string Id => "kafka";
    public override string DisplayName => "Kafka (KRaft)";
    public override Tier Tier => Tier.Streaming;
    public override string DefaultVersion => "3.9.0";
    public override InstallSource Install => InstallSource.Artifact;
    public override Contracts.ComponentLifecycle Lifecycle => KafkaLifecycle.Declaration;
    public override Rendering.IComponentRenderer? Renderer { get; } = new KafkaRenderer();
    public override IReadOnlyList<RoleDefinition> Roles => [Controller, Broker];
    public override IReadOnlyList<string> SettingKeys =>
        [ReplicationFactorKey, MinInsyncReplicasKey, ClusterIdKey, "kafka_num_partitions", "kafka_heap_gb", "kafka_rack"];
    public override IReadOnlyList<string> DebianPackages => ["openjdk-17-jre-headless"];
}

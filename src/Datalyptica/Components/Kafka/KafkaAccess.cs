using Datalyptica.Contracts;

namespace Datalyptica.Components.Kafka;

/// <summary>Who calls Kafka's ports.</summary>
public static class KafkaAccess
{
    public static IReadOnlyList<Access> Firewall { get; } =
    [
        new("kafka_controller", KafkaComponent.Controller, KafkaComponent.ControllerPort, [KafkaComponent.Controller, KafkaComponent.Broker],
            "KRaft quorum; brokers fetch metadata from the controllers"),
        new("kafka_broker", KafkaComponent.Broker, KafkaComponent.BrokerPort,
            [KafkaComponent.Broker, SchemaRegistry.SchemaRegistryComponent.Server, .. CallerGroups.Engines, ClickHouse.ClickHouseComponent.Server, .. CallerGroups.Notebooks],
            "replication between brokers; producers/consumers: Schema Registry, Spark, Flink, Trino, ClickHouse Kafka engine, notebooks, DAGs"),
        new("kafka_mirror_maker", KafkaComponent.Broker, KafkaMirrorMaker.MirrorMakerRest, [KafkaComponent.Broker],
            "MirrorMaker 2's internal REST between the standby site's workers (KIP-710); nothing listens where it does not run"),
    ];
}

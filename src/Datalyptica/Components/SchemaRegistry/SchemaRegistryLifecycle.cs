using Datalyptica.Contracts;

namespace Datalyptica.Components.SchemaRegistry;

/// <summary>
/// Schema Registry runs as its own system user; we render its units. They restart on any change of its files.
/// First start needs no step of ours: at start each instance creates its compacted single-partition kafkastore.topic
/// (_schemas) with kafkastore.topic.replication.factor when it does not exist, or verifies the existing one, and treats an
/// instance that created it first as success (Schema Registry configuration reference, kafkastore.topic and
/// kafkastore.topic.replication.factor: https://docs.confluent.io/platform/current/schema-registry/installation/config.html).
/// Brokers' auto.create.topics.enable=false does not stop it: that setting governs metadata requests, not CreateTopics.
/// </summary>
public static class SchemaRegistryLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own(SchemaRegistryRenderer.User, "Datalyptica Schema Registry"),
        Units =
        [
            new("schema-registry", UnitSource.Rendered, OnConfigChange.Restart),
        ],
    };
}

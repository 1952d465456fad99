using Datalyptica.Contracts;

namespace Datalyptica.Components.Kafka;

/// <summary>Kafka (KRaft) runs as its own system user; we render its units. They restart on any change of its files.</summary>
public static class KafkaLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own("kafka", "Datalyptica Kafka (KRaft)"),
        Units =
        [
            new("kafka-broker", UnitSource.Rendered, OnConfigChange.Restart),
            new("kafka-controller", UnitSource.Rendered, OnConfigChange.Restart),
        ],
    };
}

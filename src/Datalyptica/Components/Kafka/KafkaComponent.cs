using Datalyptica.Contracts;
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


    public override string Id => "kafka";
    public override IReadOnlyList<Contracts.IValidationRule> ValidationRules => [new KafkaDurabilityRule()];
    public override string DisplayName => "Kafka (KRaft)";
    public override Tier Tier => Tier.Streaming;
    public override string DefaultVersion => "3.9.0";
    public override InstallSource Install => InstallSource.Artifact;
    public override IReadOnlyList<ArtifactRelease> Releases => KafkaRelease.All;
    public override Contracts.ComponentLifecycle Lifecycle => KafkaLifecycle.Declaration;
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new KafkaRenderer();
    public override IReadOnlyList<RoleDefinition> Roles => [Controller, Broker];
    public override IReadOnlyList<Contracts.SettingSpec> Settings => KafkaSettings.All;
    public override IReadOnlyList<string> DebianPackages => ["openjdk-17-jre-headless"];
    public override Contracts.Health.IHealthProbe? Health { get; } = new KafkaHealth();
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => KafkaAccess.Firewall;
    public override Contracts.NotScraped? NotScraped => Prometheus.NotScrapedNotes.JmxOnly;
}

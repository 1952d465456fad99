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
        new(3, Why: "replication factor 3 needs 3 brokers"), BrokerPort, KafkaMirrorMaker.MirrorMakerRest);


    /// <summary>
    /// Dynamic configs (kafka-configs.sh --alter changes them; they live in the cluster metadata, not in server.properties):
    /// per broker, the cluster-wide broker default, and per topic (kafka-configs.sh --describe, Kafka's operations guide).
    /// </summary>
    public override IReadOnlyList<LiveSetting> LiveSettings { get; } =
        [new("dynamic-configs", Broker, LiveScope.AnyMember, (_, host) =>
        {
            var describe = $"{KafkaRenderer.Home}/bin/kafka-configs.sh --bootstrap-server {host.Address}:{host.Port(BrokerPort)} --describe";
            return $"{describe} --entity-type brokers && {describe} --entity-type brokers --entity-default && {describe} --entity-type topics";
        })];

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
    public override IReadOnlyList<Contracts.SettingSpec> Settings => [.. KafkaSettings.All, .. KafkaMirrorMaker.All];
    public override IReadOnlyList<string> DebianPackages => ["openjdk-17-jre-headless"];
    public override Contracts.Health.IHealthProbe? Health { get; } = new KafkaHealth();
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => KafkaAccess.Firewall;
    public override Contracts.NotScraped? NotScraped => Prometheus.NotScrapedNotes.JmxOnly;

    /// <summary>
    /// A controller is a KRaft voter (its membership is the quorum's); a broker holds partition replicas that must move
    /// first. Both are refused with the way to do it: a broker's partitions move with kafka-reassign-partitions.sh
    /// (Kafka docs, Operations, "Decommissioning brokers").
    /// </summary>
    public override Contracts.MemberDeparture DepartureOf(Contracts.RoleDefinition role) => new()
    {
        Refused = role == Controller
            ? "a KRaft controller is a voter of the metadata quorum, which hosts remove does not change yet. Fix: keep the host in the kafka_controller group."
            : "a Kafka broker holds partition replicas, and hosts remove does not move them yet. Fix: move them first " +
              "(kafka-reassign-partitions.sh --generate --topics-to-move-json-file FILE --broker-list 'REMAINING IDS', then --execute and --verify with the plan it prints; " +
              "Kafka docs, Operations, Decommissioning brokers), then remove the host.",
    };
}

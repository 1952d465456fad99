using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.SchemaRegistry;

/// <summary>Confluent Schema Registry: leader elected through Kafka; followers forward writes.</summary>
public sealed class SchemaRegistryComponent : ComponentDefinition
{
    public static readonly PortSpec Http = new("http", 8081, "schema_registry_port");

    public static readonly RoleDefinition Server = Role("schema_registry", "registry", new(1, 2),
        new(2, Why: "a second instance takes over the primary election"), Http);

    public override string Id => "schema_registry";
    public override string DisplayName => "Schema Registry";
    public override Tier Tier => Tier.Streaming;
    public override string DefaultVersion => "7.8.0";
    public override InstallSource Install => InstallSource.Artifact;
    public override IReadOnlyList<ArtifactRelease> Releases => SchemaRegistryRelease.All;
    public override Contracts.ComponentLifecycle Lifecycle => SchemaRegistryLifecycle.Declaration;
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new SchemaRegistryRenderer();
    public override IReadOnlyList<RoleDefinition> Roles => [Server];
    public override IReadOnlyList<Dependency> Requires => [new("kafka", "schemas live in the compacted _schemas topic")];
    public override IReadOnlyList<string> DebianPackages => ["openjdk-17-jre-headless"];
    public override Contracts.Health.IHealthProbe? Health { get; } = new SchemaRegistryHealth();
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => SchemaRegistryAccess.Firewall;
    public override IReadOnlyList<Contracts.HttpRoute> HttpRoutes => SchemaRegistryAccess.Routes;
    public override Contracts.NotScraped? NotScraped => Prometheus.NotScrapedNotes.JmxOnly;
}

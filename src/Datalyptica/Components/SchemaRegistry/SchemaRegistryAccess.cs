using Datalyptica.Contracts;

namespace Datalyptica.Components.SchemaRegistry;

/// <summary>Who calls Schema Registry, and its route on the HTTPS front door.</summary>
public static class SchemaRegistryAccess
{
    public static IReadOnlyList<Access> Firewall { get; } =
    [
        new("schema_registry", SchemaRegistryComponent.Server, SchemaRegistryComponent.Http,
            [SchemaRegistryComponent.Server, HAProxy.HAProxyComponent.Node, .. CallerGroups.Engines, ClickHouse.ClickHouseComponent.Server, .. CallerGroups.Notebooks],
            "peers forward writes to the primary; serializers in engines and notebooks; /schema-registry via HAProxy"),
    ];

    public static IReadOnlyList<HttpRoute> Routes { get; } =
    [
        new("schema-registry", "/schema-registry", SchemaRegistryComponent.Server, SchemaRegistryComponent.Http, SchemaRegistryHealth.Path,
            "a JSON REST API with no links to rewrite: HAProxy strips the prefix; any instance forwards writes to the primary")
        { StripPrefix = true, Order = 90 },
    ];
}

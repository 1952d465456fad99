using Datalyptica.Contracts;

namespace Datalyptica.Components.SchemaRegistry;

/// <summary>Schema Registry runs as its own system user; we render its units. They restart on any change of its files.</summary>
public static class SchemaRegistryLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own("schema_registry", "Datalyptica Schema Registry"),
        Units =
        [
            new("schema-registry", UnitSource.Rendered, OnConfigChange.Restart),
        ],
    };
}

using Datalyptica.Contracts;

namespace Datalyptica.Components.Trino;

/// <summary>Trino runs as its own system user; we render its units. They restart on any change of its files.</summary>
public static class TrinoLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own("trino", "Datalyptica Trino"),
        Units =
        [
            new("trino", UnitSource.Rendered, OnConfigChange.Restart),
        ],
    };
}

using Datalyptica.Contracts;

namespace Datalyptica.Components.Spark;

/// <summary>Spark runs as its own system user; we render its units. They restart on any change of its files.</summary>
public static class SparkLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own("spark", "Datalyptica Spark"),
        Units =
        [
            new("spark-history", UnitSource.Rendered, OnConfigChange.Restart),
            new("spark-master", UnitSource.Rendered, OnConfigChange.Restart),
            new("spark-worker", UnitSource.Rendered, OnConfigChange.Restart),
        ],
    };
}

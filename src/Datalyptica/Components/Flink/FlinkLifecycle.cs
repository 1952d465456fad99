using Datalyptica.Contracts;

namespace Datalyptica.Components.Flink;

/// <summary>Flink runs as its own system user; we render its units. They restart on any change of its files.</summary>
public static class FlinkLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own("flink", "Datalyptica Flink"),
        Units =
        [
            new("flink-jobmanager", UnitSource.Rendered, OnConfigChange.Restart),
            new("flink-taskmanager", UnitSource.Rendered, OnConfigChange.Restart),
        ],
    };
}

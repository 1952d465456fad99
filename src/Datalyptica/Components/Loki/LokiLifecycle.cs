using Datalyptica.Contracts;

namespace Datalyptica.Components.Loki;

/// <summary>Loki runs as its own system user; we render its units. They restart on any change of its files.</summary>
public static class LokiLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own("loki", "Datalyptica Loki"),
        Units =
        [
            new("loki", UnitSource.Rendered, OnConfigChange.Restart),
        ],
    };
}

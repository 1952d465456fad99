using Datalyptica.Contracts;

namespace Datalyptica.Components.Grafana;

/// <summary>Grafana runs as its own system user; we render its units. They restart on any change of its files.</summary>
public static class GrafanaLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own("grafana", "Datalyptica Grafana"),
        Units =
        [
            new("grafana-server", UnitSource.Rendered, OnConfigChange.Restart),
        ],
    };
}

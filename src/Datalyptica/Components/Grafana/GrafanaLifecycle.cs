using Datalyptica.Contracts;

namespace Datalyptica.Components.Grafana;

/// <summary>
/// Grafana runs as its own system user; we render its units. They restart on any change of its files.
/// First start needs no step of ours: Grafana reads its provisioning folder (paths.provisioning in grafana.ini) at start,
/// and GrafanaRenderer renders the datasources and dashboard provider files there and the dashboards they point at
/// (https://grafana.com/docs/grafana/latest/administration/provisioning/); its database schema is migrated by the
/// server at start.
/// </summary>
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

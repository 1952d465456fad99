using Datalyptica.Contracts;

namespace Datalyptica.Components.Grafana;

/// <summary>Grafana's scrape job.</summary>
public static class GrafanaMonitoring
{
    public static IReadOnlyList<ScrapeJob> Jobs { get; } =
        [new("grafana", [GrafanaComponent.Server], GrafanaComponent.Http) { Why = "Grafana serves /metrics at the root even with serve_from_sub_path", Order = 90 }];
}

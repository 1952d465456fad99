using Datalyptica.Contracts;

namespace Datalyptica.Components.Trino;

/// <summary>Trino's scrape job.</summary>
public static class TrinoMonitoring
{
    public static IReadOnlyList<ScrapeJob> Jobs { get; } =
    [
        new("trino", [TrinoComponent.Coordinator, TrinoComponent.Worker], TrinoComponent.Http)
            { Why = "Trino's OpenMetrics endpoint; it needs a user name (trino.io docs, admin/openmetrics)", BasicAuthUser = "prometheus", Order = 120 },
    ];
}

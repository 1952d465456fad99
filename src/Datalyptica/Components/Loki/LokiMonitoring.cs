using Datalyptica.Contracts;

namespace Datalyptica.Components.Loki;

/// <summary>Loki's scrape job.</summary>
public static class LokiMonitoring
{
    public static IReadOnlyList<ScrapeJob> Jobs { get; } = [new("loki", [LokiComponent.Server], LokiComponent.Http) { Order = 100 }];
}

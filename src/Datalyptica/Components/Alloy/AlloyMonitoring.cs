using Datalyptica.Contracts;

namespace Datalyptica.Components.Alloy;

/// <summary>Alloy's scrape job: its own /metrics on every host that ships logs (loki_write_* shows what reached Loki).</summary>
public static class AlloyMonitoring
{
    public static IReadOnlyList<ScrapeJob> Jobs { get; } =
        [new("alloy", [AlloyComponent.Agent], AlloyComponent.Http) { Why = "the log shipper on every host; loki_write_dropped_entries_total shows lost logs", Order = 105 }];
}

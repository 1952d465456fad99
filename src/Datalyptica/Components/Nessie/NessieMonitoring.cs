using Datalyptica.Contracts;

namespace Datalyptica.Components.Nessie;

/// <summary>Nessie's scrape job.</summary>
public static class NessieMonitoring
{
    public static IReadOnlyList<ScrapeJob> Jobs { get; } =
        [new("nessie", [NessieComponent.Server], NessieComponent.Management, "/q/metrics") { Why = "Quarkus management interface", Order = 130 }];
}

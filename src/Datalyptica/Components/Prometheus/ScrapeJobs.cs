using Datalyptica.Components.OsBaseLayer;
using Datalyptica.Contracts;

namespace Datalyptica.Components.Prometheus;

/// <summary>
/// What Prometheus scrapes and alerts on, combined from what the OS base layer and each catalog component declare
/// (<see cref="ComponentDefinition.ScrapeJobs"/>, <see cref="ComponentDefinition.Alerts"/>, <see cref="ComponentDefinition.NotScraped"/>).
/// </summary>
public static class ScrapeJobs
{
    /// <summary>Every job, in prometheus.yml order (<see cref="ScrapeJob.Order"/>, then catalog order).</summary>
    public static readonly IReadOnlyList<ScrapeJob> All =
        ComponentCatalog.All.SelectMany(c => c.ScrapeJobs).Prepend(NodeMonitoring.Job).OrderBy(j => j.Order).ToList();

    /// <summary>What is deliberately not scraped, and why (written into prometheus.yml), each note once.</summary>
    public static readonly IReadOnlyList<string> NotScraped =
        ComponentCatalog.All.Select(c => c.NotScraped).OfType<NotScraped>().Distinct().OrderBy(n => n.Order).Select(n => n.Text).ToList();

    /// <summary>Every alert rule file; each is rendered only when its job is scraped.</summary>
    public static readonly IReadOnlyList<AlertGroup> AlertGroups =
        ComponentCatalog.All.SelectMany(c => c.Alerts).Prepend(NodeMonitoring.Alerts).ToList();
}

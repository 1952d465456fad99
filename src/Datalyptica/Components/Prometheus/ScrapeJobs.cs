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
    public static IReadOnlyList<ScrapeJob> All => ComponentCatalog.Combined<IReadOnlyList<ScrapeJob>>("scrape-jobs", all =>
        all.SelectMany(c => c.ScrapeJobs).Prepend(NodeMonitoring.Job).OrderBy(j => j.Order).ToList());

    /// <summary>What is deliberately not scraped, and why (written into prometheus.yml), each note once.</summary>
    public static IReadOnlyList<string> NotScraped => ComponentCatalog.Combined<IReadOnlyList<string>>("not-scraped", all =>
        all.Select(c => c.NotScraped).OfType<NotScraped>().Distinct().OrderBy(n => n.Order).Select(n => n.Text).ToList());

    /// <summary>Every alert rule file; each is rendered only when its job is scraped.</summary>
    public static IReadOnlyList<AlertGroup> AlertGroups => ComponentCatalog.Combined<IReadOnlyList<AlertGroup>>("alert-groups", all =>
        all.SelectMany(c => c.Alerts).Prepend(CertificateExpiry.Alerts).Prepend(NodeMonitoring.Alerts).ToList());
}

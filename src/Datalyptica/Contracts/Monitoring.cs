using Datalyptica.Contracts.Rendering;

namespace Datalyptica.Contracts;

/// <summary>
/// One scrape job: the members of <see cref="Roles"/> (or every host when null), each at its own port for
/// <see cref="Port"/>. Ports come from the owning component's PortSpec, so a port moved by an inventory
/// variable on one host is scraped where it really is. Declared by the component it measures
/// (<see cref="ComponentDefinition.ScrapeJobs"/>); Prometheus combines them.
/// </summary>
public sealed record ScrapeJob(string Name, IReadOnlyList<RoleDefinition>? Roles, PortSpec Port, string MetricsPath = "/metrics")
{
    public string? Why { get; init; }
    /// <summary>Trino's /metrics wants a user name (the insecure authenticator takes it from basic auth).</summary>
    public string? BasicAuthUser { get; init; }
    /// <summary>
    /// Where the job stands in prometheus.yml (ascending; equal values keep catalog order). The values keep the order of
    /// the single table the jobs were declared in before issue 12, so the rendered file did not change.
    /// </summary>
    public int Order { get; init; } = int.MaxValue;
}

/// <summary>
/// Why a component is deliberately not scraped: one line of prometheus.yml's "Not scraped" header. Several components
/// may declare the same note (equal records are written once); <see cref="Order"/> places it as <see cref="ScrapeJob.Order"/> does.
/// </summary>
public sealed record NotScraped(string Text, int Order = int.MaxValue);

public sealed record AlertRule(string Name, string Expr, string For, string Severity, string Summary, string Description)
{
    public const string Critical = "critical";
    public const string Warning = "warning";

    public string RunbookUrl { get; init; } = "";
}

/// <summary>
/// A file of alert rules (/etc/prometheus/rules/FILE.yml, group and component label FILE) a component declares about
/// itself. It is rendered only when the site scrapes <see cref="Job"/>, so there is never an alert on series nobody
/// collects. <see cref="Rules"/> reads site-dependent thresholds (quorum sizes, replica counts) from the context.
/// </summary>
public sealed record AlertGroup(string File, string Job, Func<RenderContext, IEnumerable<AlertRule>> Rules);

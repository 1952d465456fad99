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

    /// <summary>The series it fires on and the nearest ones it stays quiet on; every alert has one (AlertProofTests).</summary>
    public AlertProof? Proof { get; init; }
}

/// <summary>
/// The evidence that an alert works, in `promtool test rules` terms: input series ("metric{labels} values", values in
/// promtool's expanding notation such as 0+1x200) on which the alert is firing at <see cref="At"/>, and the nearest
/// healthy series on which it is not. <see cref="Interval"/> is both the sample and the rule evaluation interval.
/// A null <see cref="Quiet"/> is only for an alert that always fires (Watchdog).
/// </summary>
public sealed record AlertProof(IReadOnlyList<string> Fires, IReadOnlyList<string>? Quiet)
{
    /// <summary>When the alert must be firing: past its `for` and its rate windows (promtool evaluates every step up to it).</summary>
    public string At { get; init; } = "30m";
    public string Interval { get; init; } = "1m";

    /// <summary>Samples per series: enough to cover <see cref="At"/> at 1 m, up to 3 h.</summary>
    public const int Samples = 200;

    /// <summary>One gauge: constant at <paramref name="fires"/> it fires, constant at <paramref name="quiet"/> it does not.</summary>
    public static AlertProof Gauge(string series, double fires, double quiet) =>
        new([$"{series} {Number(fires)}x{Samples}"], [$"{series} {Number(quiet)}x{Samples}"]);

    /// <summary>One counter: rising by one a minute it fires, standing still it does not.</summary>
    public static AlertProof Counter(string series) => new([$"{series} 0+1x{Samples}"], [$"{series} 7x{Samples}"]);

    /// <summary>Constant series, as "series value" pairs, in promtool's input form.</summary>
    public static IReadOnlyList<string> Steady(params (string Series, double Value)[] series) => Steady(Samples, series);

    /// <summary>Constant series of <paramref name="samples"/> samples each.</summary>
    public static IReadOnlyList<string> Steady(int samples, params (string Series, double Value)[] series) =>
        [.. series.Select(s => $"{s.Series} {Number(s.Value)}x{samples}")];

    private static string Number(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// A file of alert rules (/etc/prometheus/rules/FILE.yml, group and component label FILE) a component declares about
/// itself. It is rendered only when the site scrapes <see cref="Job"/>, so there is never an alert on series nobody
/// collects. <see cref="Rules"/> reads site-dependent thresholds (quorum sizes, replica counts) from the context.
/// </summary>
public sealed record AlertGroup(string File, string Job, Func<RenderContext, IEnumerable<AlertRule>> Rules);

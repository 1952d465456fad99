using System.ComponentModel;
using Datalyptica.Contracts.Health;
using Datalyptica.Engine.Apply;
using Datalyptica.Secrets;
using Datalyptica.Validation;
using Datalyptica.Verification;
using Datalyptica.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

public sealed class VerifySettings : SshSiteSettings
{
    [CommandArgument(0, "[SITE]")]
    [Description(OptionalSiteDescription)]
    public override string Site { get; init; } = ".";

    [CommandOption("--component <ID>")]
    [Description("Only this component (etcd, patroni, postgresql, haproxy, keepalived, redis, zookeeper, prometheus, alertmanager, os-base, ...).")]
    public string? Component { get; init; }

    // --host was the option's name when it took one host name; it stays accepted (see RenderSettings.Limit).
    [CommandOption("--limit|--host <PATTERN>")]
    [Description(HostLimit.VerifyDescription)]
    public string? Limit { get; init; }

    [CommandOption("--timeout <SECONDS>")]
    [Description("Per-probe timeout.")]
    [DefaultValue(5.0)]
    public double Timeout { get; init; } = 5;

    [CommandOption("--parallel <N>")]
    [Description("Probes running at once (across all hosts).")]
    [DefaultValue(64)]
    public int Parallel { get; init; } = 64;

    [CommandOption("--wait <SECONDS>")]
    [Description("Check again every 3 s until everything is healthy or this many seconds have passed (right after an apply, replicas are still cloning). Default: 0, check once.")]
    [DefaultValue(0.0)]
    public double Wait { get; init; }

    public override ValidationResult Validate() =>
        Timeout is <= 0 or > 600 ? ValidationResult.Error("--timeout must be between 0 and 600 seconds")
        : Wait is < 0 or > 3600 ? ValidationResult.Error("--wait must be between 0 and 3600 seconds")
        : Parallel < 1 ? ValidationResult.Error("--parallel must be at least 1")
        : ValidationResult.Success();
}

/// <summary>
/// `datalyptica verify [SITE]`: every component's health (docs/VERIFY.md) on every host, probed through each host's own
/// SSH session; a table (or JSON) and exit 0 only when everything deployable is healthy. Changes nothing anywhere.
/// </summary>
public sealed class VerifyCommand(CliIo io, IHostTransportFactory? transports = null) : AsyncCommand<VerifySettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, VerifySettings settings, CancellationToken cancellation)
    {
        // A mistyped component is a usage error, said before the site is opened (and before any password is asked for).
        if (settings.Component is { } component && !Verifier.ComponentIds.Contains(component))
        {
            var hint = DidYouMean.Suggest(component, Verifier.ComponentIds);
            io.Error.WriteLine($"error: --component {component}: no such component{(hint is null ? "" : $"; did you mean {hint}?")} Known: {string.Join(", ", Verifier.ComponentIds)}.");
            return ExitCodes.Usage;
        }
        IReadOnlySet<string>? only = null;
        // Resolved once the site is valid and before any host is contacted: a limit that matches nothing is a usage error.
        if (Cli.OpenSite(io, settings, "verifying", s => only = HostLimit.Resolve(settings.Limit, s)) is not { } session) return ExitCodes.InvalidSite;
        var site = session.Site;
        if (only is not null) HostLimit.Show(io, settings.Output, settings.Limit!, site, only);

        var secrets = session.Secrets;
        var options = new VerifyOptions
        {
            Component = settings.Component,
            Hosts = only,
            Timeout = TimeSpan.FromSeconds(settings.Timeout),
            Parallelism = settings.Parallel,
            ResolveSecret = n => secrets.GetValueOrDefault(n),
            Masker = new SecretMasker(secrets.Values),
        };

        // SSH.NET pumps every forwarded connection on a blocking thread-pool thread, and each host's connect blocks one:
        // with the pool's default minimum (one per core) the probes would queue behind its slow growth and time out.
        ThreadPool.GetMinThreads(out var workers, out var ioThreads);
        ThreadPool.SetMinThreads(Math.Max(workers, settings.Parallel + 2 * site.Hosts.Count), ioThreads);

        var factory = transports ?? settings.SshFactory(acceptNewHostKeys: false, io.Keeper) /* verify records no host key */;
        // One SSH session per host for the whole run (and every --wait round), shared by all its probes.
        VerifyReport report;
        await using (var sessions = new ProbeSessions(host => factory.Connect(HostConnections.For(host) with { ConnectTimeout = options.Timeout, CommandTimeout = options.Timeout })))
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            report = await Verifier.VerifyAsync(site, sessions.AccessAsync, options, cancellation);
            while (!report.AllHealthy && waited.Elapsed.TotalSeconds + 3 < settings.Wait)
            {
                await Task.Delay(TimeSpan.FromSeconds(3), cancellation);
                report = await Verifier.VerifyAsync(site, sessions.AccessAsync, options, cancellation);
            }
        }

        Render(io, report, settings.Output);
        // A whole-site verify is what `report` shows as the last one.
        if (settings.Component is null && only is null) LastResults.Save(settings.SiteDirectory, LastResults.Verify, Document(report), Cli.Json);
        return report.AllHealthy ? ExitCodes.Ok : ExitCodes.Unhealthy;
    }

    /// <summary>The report as a table and verdict line, or as JSON (docs/VERIFY.md).</summary>
    internal static void Render(CliIo io, VerifyReport report, OutputFormat output)
    {
        if (output == OutputFormat.Json)
            Cli.WriteJson(io, Document(report));
        else
            Show(io, report);
    }

    /// <summary>The report as its JSON document (docs/VERIFY.md): what `--output json` prints and `report` reads.</summary>
    private static object Document(VerifyReport report) => new
            {
                formatVersion = Cli.JsonFormatVersion,
                site = report.Site,
                // healthy: every check deployable here is healthy and none is a stand-in; passed: the exit code is 0 (a lab
                // site accepts stand-ins, "started (stand-in artifact)", which are never healthy).
                healthy = report.AllHealthy && report.Count(HealthStatus.StandIn) == 0,
                passed = report.AllHealthy,
                wallTimeMs = (long)report.WallTime.TotalMilliseconds,
                summary = Enum.GetValues<HealthStatus>().ToDictionary(s => JsonName(s), s => report.Count(s)),
                checks = report.Checks.Select(c => new
                {
                    c.Component, c.Host, c.Check, Status = JsonName(c.Status), c.Detail, LatencyMs = Math.Round(c.Latency.TotalMilliseconds, 1),
                }),
            };

    public static string JsonName(HealthStatus status) => status switch
    {
        HealthStatus.NotDeployed => "notDeployed",
        HealthStatus.StandIn => "standIn",
        _ => status.ToString().ToLowerInvariant(),
    };

    private static string Label(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "[green]healthy[/]",
        HealthStatus.Warning => "[yellow]warning[/]",
        HealthStatus.Failed => "[red]FAILED[/]",
        HealthStatus.Missing => "[red]MISSING[/]",
        HealthStatus.NotDeployed => "[grey]not deployed[/]",
        HealthStatus.StandIn => $"[yellow]{StandInSignature.Started}[/]",
        _ => status.ToString(),
    };

    private static void Show(CliIo io, VerifyReport report)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("Component").AddColumn("Host").AddColumn("Check").AddColumn("Status").AddColumn("Detail").AddColumn(new TableColumn("Latency").RightAligned());
        foreach (var c in report.Checks)
            table.AddRow(Markup.Escape(c.Component), Markup.Escape(c.Host), Markup.Escape(c.Check), Label(c.Status), Markup.Escape(c.Detail),
                c.Latency == TimeSpan.Zero ? "" : $"{c.Latency.TotalMilliseconds:0} ms");
        io.Out.Write(table);
        var standIns = report.Count(HealthStatus.StandIn);
        var (color, verdict) = !report.AllHealthy ? ("red", "NOT healthy") : standIns > 0 ? ("yellow", "started, with stand-in artifacts (lab)") : ("green", "healthy");
        io.Out.MarkupLine($"[{color}]{Markup.Escape(verdict)}[/]: {Markup.Escape(report.Summary)}");
        if (standIns > 0 && !report.Lab)
            io.Out.MarkupLine($"[red]{standIns} checks answered by stand-in artifacts on a site that is not a lab[/]: stand-ins are the lab's, never a production path. " +
                              "Fix: remove them from the site's artifact store, datalyptica artifacts fetch SITE, then datalyptica apply.");
    }
}

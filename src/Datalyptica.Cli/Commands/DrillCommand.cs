using System.ComponentModel;
using Datalyptica.Contracts.Drilling;
using Datalyptica.Drills;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

public sealed class DrillSettings : SiteSettings
{
    [CommandArgument(0, "<SITE>")]
    [Description(SiteDescription + " The drills need the lab's (root).")]
    public override string Site { get; init; } = "";

    [CommandArgument(1, "<DRILL>")]
    [Description("patroni-stop, patroni-crash, patroni-partition, vip-stop, vip-crash, vip-split, redis-crash, etcd-stop, etcd-quorum-loss, zookeeper-crash, power-loss, or all (each after a health check).")]
    public string Drill { get; init; } = "";

    public const int MaxRepeat = 1000;

    [CommandOption("--repeat <N>")]
    [Description("Run the drill (or all of them) N times in a row and end with min / median / p95 / max of each measured time. Default 1.")]
    [DefaultValue(1)]
    public int Repeat { get; init; } = 1;

    public override ValidationResult Validate() =>
        Drill != DrillRunner.All && !DrillRunner.Names.Contains(Drill)
            ? ValidationResult.Error($"no drill '{Drill}'. Known: {string.Join(", ", DrillRunner.Names)}, {DrillRunner.All}.")
            : Repeat is < 1 or > MaxRepeat ? ValidationResult.Error($"--repeat {Repeat}: give a count from 1 to {MaxRepeat}.")
            : ValidationResult.Success();
}

/// <summary>
/// `datalyptica drill SITE NAME`: injects one fault into the site's HA core under a steady write load and prints the
/// measured times against their limits. Exit 0 only when every drill passed and the cluster is whole again.
/// </summary>
public sealed class DrillCommand(CliIo io) : AsyncCommand<DrillSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, DrillSettings settings, CancellationToken cancellation)
    {
        // Refused here, with the findings printed as every verb prints them, before any host is touched; the drills run on
        // the session opened here.
        if (Cli.OpenSite(io, settings, "a drill") is not { } session) return ExitCodes.InvalidSite;
        var results = new List<DrillResult>();
        var log = Cli.ProgressLog(io, settings.Output);
        try
        {
            var drills = SiteDrillContext.Open(session, log);
            for (var run = 1; run <= settings.Repeat; run++)
            {
                if (settings.Repeat > 1) log($"run {run} of {settings.Repeat}");
                var these = await DrillRunner.RunAsync(drills, settings.Drill, cancellation);
                if (settings.Output != OutputFormat.Json) foreach (var r in these) Show(r);
                results.AddRange(these);
            }
        }
        catch (DrillException e)
        {
            io.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Failed;
        }
        var spread = settings.Repeat > 1 ? DrillStatistics.Spread(results) : [];
        if (settings.Output == OutputFormat.Json)
            Cli.WriteJson(io, new
            {
                formatVersion = Cli.JsonFormatVersion,
                passed = results.All(r => r.Passed),
                drills = results.Select(r => new
                {
                    r.Drill, r.Passed, wallTimeMs = (long)r.WallTime.TotalMilliseconds,
                    measurements = r.Measurements.Select(m => new { m.Name, seconds = m.Value is { } v ? Math.Round(v.TotalSeconds, 3) : (double?)null, limitSeconds = m.Informational ? (double?)null : m.Limit.TotalSeconds, m.Passed }),
                    r.Settings,
                    writes = r.Writes is { } w ? new { w.Attempted, w.Acknowledged, w.Failed, w.Present, w.Lost } : null,
                    r.Failures, r.Notes, r.Problems,
                }),
                repeat = settings.Repeat,
                spread = spread.Select(x => new
                {
                    x.Drill, x.Measurement, limitSeconds = x.Limit?.TotalSeconds, x.Runs, x.Measured,
                    minSeconds = Seconds(x.Min), medianSeconds = Seconds(x.Median), p95Seconds = Seconds(x.P95), maxSeconds = Seconds(x.Max), x.OverLimit,
                }),
            });
        else if (spread.Count > 0) ShowSpread(spread, results);
        return results.All(r => r.Passed) ? ExitCodes.Ok : ExitCodes.DrillFailed;
    }

    private static double? Seconds(TimeSpan? t) => t is { } v ? Math.Round(v.TotalSeconds, 3) : null;

    private void ShowSpread(IReadOnlyList<DrillSpread> spread, IReadOnlyList<DrillResult> results)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"{results.Count} drill run(s): spread")
            .AddColumn("Drill").AddColumn("Measured").AddColumn(new TableColumn("Min").RightAligned()).AddColumn(new TableColumn("Median").RightAligned())
            .AddColumn(new TableColumn("p95").RightAligned()).AddColumn(new TableColumn("Max").RightAligned()).AddColumn(new TableColumn("Limit").RightAligned()).AddColumn("Over");
        string S(TimeSpan? t) => t is { } v ? $"{v.TotalSeconds:0.00} s" : "-";
        foreach (var x in spread)
            table.AddRow(Markup.Escape(x.Drill), Markup.Escape(x.Measurement), S(x.Min), S(x.Median), S(x.P95), S(x.Max),
                x.Limit is { } l ? $"{l.TotalSeconds:0.##} s" : "", x.Limit is null ? "" : x.OverLimit == 0 ? $"[green]0 of {x.Runs}[/]" : $"[red]{x.OverLimit} of {x.Runs}[/]");
        io.Out.Write(table);
        foreach (var drill in results.GroupBy(r => r.Drill))
            io.Out.MarkupLine($"  {Markup.Escape(drill.Key)}: {drill.Count(r => r.Passed)} of {drill.Count()} run(s) passed");
    }

    private void Show(DrillResult r)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"drill {Markup.Escape(r.Drill)}")
            .AddColumn("Measured").AddColumn(new TableColumn("Time").RightAligned()).AddColumn(new TableColumn("Limit").RightAligned()).AddColumn("");
        foreach (var m in r.Measurements)
            table.AddRow(Markup.Escape(m.Name), m.Value is { } v ? $"{v.TotalSeconds:0.00} s" : "never", m.Informational ? "" : $"{m.Limit.TotalSeconds:0.##} s", m.Passed ? "[green]ok[/]" : "[red]FAILED[/]");
        io.Out.Write(table);
        foreach (var (k, v) in r.Settings) io.Out.MarkupLine($"  [dim]{Markup.Escape(k)}:[/] {Markup.Escape(v)}");
        if (r.Writes is { } w) io.Out.MarkupLine($"  [dim]writes:[/] {Markup.Escape(w.ToString())}");
        foreach (var n in r.Notes) io.Out.MarkupLine($"  {Markup.Escape(n)}");
        foreach (var f in r.Problems) io.Out.MarkupLine($"  [red]failed:[/] {Markup.Escape(f)}"); // the failures, then what is missing or over its limit
        io.Out.MarkupLine(r.Passed ? $"[green]passed[/] in {r.WallTime.TotalSeconds:0} s" : $"[red]FAILED[/] after {r.WallTime.TotalSeconds:0} s");
    }
}

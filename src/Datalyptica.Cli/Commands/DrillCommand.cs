using System.ComponentModel;
using Datalyptica.Contracts.Drilling;
using Datalyptica.Drills;
using Datalyptica.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

public sealed class DrillSettings : SiteSettings
{
    [CommandArgument(0, "<SITE>")]
    [Description(SiteDescription + " The drills need the lab's (root).")]
    public override string Site { get; init; } = "";

    [CommandArgument(1, "<DRILL>")]
    [Description("patroni-stop, patroni-crash, patroni-partition, vip-stop, vip-crash, vip-split, redis-crash, redis-partition, etcd-stop, etcd-quorum-loss, zookeeper-crash, power-loss, or all (each after a health check).")]
    public string Drill { get; init; } = "";

    public const int MaxRepeat = 1000;

    [CommandOption("--repeat <N>")]
    [Description("Run the drill (or all of them) N times in a row and end with min / median / p95 / max of each measured time. Default 1.")]
    [DefaultValue(1)]
    public int Repeat { get; init; } = 1;

    [CommandOption("--soak <MINUTES>")]
    [Description("Soak instead: for MINUTES, drills picked at random (from all, or only DRILL) one after another while a writer outside the drills writes through the VIP the whole time; ends with the spread and that writer's account (nothing may be lost).")]
    public int? Soak { get; init; }

    [CommandOption("--pause <SECONDS>")]
    [Description("With --soak: the quiet time between two faults. Default 60.")]
    public int? Pause { get; init; }

    public const int DefaultPauseSeconds = 60;

    [CommandOption("--seed <N>")]
    [Description("With --soak: the seed of the random order, to replay a soak. Default: a new one, printed.")]
    public int? Seed { get; init; }

    public const int MaxSoakMinutes = 24 * 60;

    public override ValidationResult Validate() =>
        Drill != DrillRunner.All && !DrillRunner.Names.Contains(Drill)
            ? ValidationResult.Error($"no drill '{Drill}'. Known: {string.Join(", ", DrillRunner.Names)}, {DrillRunner.All}.")
            : Repeat is < 1 or > MaxRepeat ? ValidationResult.Error($"--repeat {Repeat}: give a count from 1 to {MaxRepeat}.")
            : Soak is { } minutes && minutes is < 1 or > MaxSoakMinutes ? ValidationResult.Error($"--soak {Soak}: give minutes from 1 to {MaxSoakMinutes}.")
            : Soak is not null && Repeat > 1 ? ValidationResult.Error("--soak and --repeat are two ways to run drills again: give one.")
            : Pause is < 0 or > 3600 ? ValidationResult.Error($"--pause {Pause}: give seconds from 0 to 3600.")
            : Soak is null && (Seed is not null || Pause is not null) ? ValidationResult.Error("--seed and --pause only go with --soak.")
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
        SoakResult? soak = null;
        try
        {
            // On a terminal, a live status line under the drill's steps (LiveProgress); in a log, timestamped lines.
            await LiveProgress.RunAsync(io, settings.Output, $"drill {settings.Drill}", Cli.ProgressLog(io, settings.Output), async log =>
            {
                var drills = SiteDrillContext.Open(session, log);
                if (settings.Soak is { } minutes)
                {
                    var seed = settings.Seed ?? Random.Shared.Next();
                    var pause = settings.Pause ?? DrillSettings.DefaultPauseSeconds;
                    log($"soak for {minutes} min, a fault {pause} s after the last one ended (seed {seed}: --seed {seed} replays this order)");
                    soak = await DrillRunner.SoakAsync(drills, settings.Drill, TimeSpan.FromMinutes(minutes), TimeSpan.FromSeconds(pause), seed, cancellation);
                    results.AddRange(soak.Drills);
                    if (settings.Output != OutputFormat.Json) foreach (var r in soak.Drills) Show(r);
                }
                for (var run = 1; soak is null && run <= settings.Repeat; run++)
                {
                    if (settings.Repeat > 1) log($"run {run} of {settings.Repeat}");
                    var these = await DrillRunner.RunAsync(drills, settings.Drill, cancellation);
                    if (settings.Output != OutputFormat.Json) foreach (var r in these) Show(r);
                    results.AddRange(these);
                }
                return true;
            });
        }
        catch (DrillException e)
        {
            io.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Failed;
        }
        // Each drill's last run is what `report` shows.
        foreach (var last in results.GroupBy(r => r.Drill).Select(g => g.Last()))
            LastResults.Save(settings.SiteDirectory, LastResults.DrillName(last.Drill), Document(last), Cli.Json);
        var spread = settings.Repeat > 1 || soak is not null ? DrillStatistics.Spread(results) : [];
        var passed = results.All(r => r.Passed) && soak is not { Passed: false };
        if (settings.Output == OutputFormat.Json)
            Cli.WriteJson(io, new
            {
                formatVersion = Cli.JsonFormatVersion,
                passed,
                drills = results.Select(Document),
                repeat = settings.Repeat,
                spread = spread.Select(x => new
                {
                    x.Drill, x.Measurement, limitSeconds = x.Limit?.TotalSeconds, x.Runs, x.Measured,
                    minSeconds = Seconds(x.Min), medianSeconds = Seconds(x.Median), p95Seconds = Seconds(x.P95), maxSeconds = Seconds(x.Max), x.OverLimit,
                }),
                soak = soak is null ? null : new
                {
                    soak.Seed, elapsedSeconds = Math.Round(soak.Elapsed.TotalSeconds), faults = soak.Drills.Count,
                    writes = new { soak.Writes.Attempted, soak.Writes.Acknowledged, soak.Writes.Failed, soak.Writes.Present, soak.Writes.Lost },
                    longestGapSeconds = Math.Round(soak.LongestGap.TotalSeconds, 3),
                },
            });
        else if (spread.Count > 0)
        {
            ShowSpread(spread, results);
            if (soak is not null)
                io.Out.MarkupLine($"  soak: {soak.Drills.Count} fault(s) in {soak.Elapsed.TotalMinutes:0} min (seed {soak.Seed}); continuous writes through the VIP: {Markup.Escape(soak.Writes.ToString())}, " +
                    $"longest gap {soak.LongestGap.TotalSeconds:0.00} s " + (soak.Writes.Lost == 0 ? "[green]nothing lost[/]" : "[red]LOST WRITES[/]"));
        }
        return passed ? ExitCodes.Ok : ExitCodes.DrillFailed;
    }

    /// <summary>One drill's result as JSON: in `--output json`, and kept as the drill's last result for `report`.</summary>
    private static object Document(DrillResult r) => new
    {
        r.Drill, r.Passed, wallTimeMs = (long)r.WallTime.TotalMilliseconds,
        measurements = r.Measurements.Select(m => new { m.Name, seconds = m.Value is { } v ? Math.Round(v.TotalSeconds, 3) : (double?)null, limitSeconds = m.Informational ? (double?)null : m.Limit.TotalSeconds, m.Passed }),
        r.Settings,
        writes = r.Writes is { } w ? new { w.Attempted, w.Acknowledged, w.Failed, w.Present, w.Lost } : null,
        r.Failures, r.Notes, r.Problems,
    };

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

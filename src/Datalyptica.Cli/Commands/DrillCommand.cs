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
    [Description("patroni-stop, patroni-crash, vip-stop, vip-crash, redis-crash, etcd-stop, or all (each after a health check).")]
    public string Drill { get; init; } = "";

    public override ValidationResult Validate() =>
        Drill == DrillRunner.All || DrillRunner.Names.Contains(Drill) ? ValidationResult.Success()
            : ValidationResult.Error($"no drill '{Drill}'. Known: {string.Join(", ", DrillRunner.Names)}, {DrillRunner.All}.");
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
        IReadOnlyList<DrillResult> results;
        try { results = await DrillRunner.RunAsync(SiteDrillContext.Open(session, Cli.ProgressLog(io, settings.Output)), settings.Drill, cancellation); }
        catch (DrillException e)
        {
            io.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Failed;
        }
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
            });
        else
            foreach (var r in results) Show(r);
        return results.All(r => r.Passed) ? ExitCodes.Ok : ExitCodes.DrillFailed;
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

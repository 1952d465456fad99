using System.ComponentModel;
using Datalyptica.Engine.Apply;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

/// <summary>What every member-by-member verb (restart, upgrade) takes: the site, a component, a host limit, --yes and the health wait.</summary>
public abstract class RollingSettings : SiteSettings
{
    [CommandArgument(0, "<SITE>")]
    [Description(SiteDescription)]
    public override string Site { get; init; } = "";

    /// <summary>The component the verb works on; each verb declares it as its argument 1 with its own description.</summary>
    public abstract string Component { get; init; }

    [CommandOption("--limit <PATTERN>")]
    [Description("Only the members this Ansible host pattern matches (host or group names, globs, a:b, a:&b, a:!b). A part that matches no host is refused.")]
    public string? Limit { get; init; }

    [CommandOption("--yes|-y")]
    [Description("Go ahead without asking (needed when stdin is not a terminal).")]
    public bool Yes { get; init; }

    [CommandOption("--wait <SECONDS>")]
    [Description("How long each member may take to be healthy again before the run stops there.")]
    [DefaultValue(300.0)]
    public double Wait { get; init; } = 300;

    /// <summary>An unknown COMPONENT names the nearest known id when there is one, then every known id.</summary>
    public override ValidationResult Validate()
    {
        if (Components.ComponentCatalog.Find(Component) is null)
        {
            var known = Components.ComponentCatalog.All.Select(c => c.Id).ToList();
            var near = Validation.DidYouMean.Suggest(Component, known);
            return ValidationResult.Error($"no component '{Component}'{(near is null ? "" : $"; did you mean {near}?")} Known: {string.Join(", ", known)}.");
        }
        return Wait is > 0 and <= 3600 ? ValidationResult.Success() : ValidationResult.Error("--wait must be between 1 and 3600 seconds.");
    }
}

/// <summary>The parts restart and upgrade share: the order shown, the question asked, the journal written as it goes.</summary>
internal static class RollingRun
{
    /// <summary>The order and what happens to each member: on stdout, or stderr when stdout holds the JSON document.</summary>
    public static void Show(CliIo io, OutputFormat output, string text)
    {
        if (output == OutputFormat.Json) io.Error.WriteLine(text);
        else io.Out.MarkupLine(Markup.Escape(text));
    }

    /// <summary>Null to go ahead; else the exit code: refused without --yes when stdin is not a terminal, or declined.</summary>
    public static Task<int?> ConfirmAsync(CliIo io, RollingSettings settings, string question, string verb, CancellationToken cancellation) =>
        ConfirmAsync(io, settings.Yes, settings.Output, question, verb, cancellation);

    /// <summary>The same question for any verb that changes a running cluster (a cluster restore).</summary>
    /// <param name="fix">What the refusal tells a script to do instead (apply: --auto-approve or a saved plan).</param>
    public static async Task<int?> ConfirmAsync(CliIo io, bool yes, OutputFormat output, string question, string verb, CancellationToken cancellation,
        string fix = "pass --yes.")
    {
        if (yes) return null;
        if (!io.CanAsk || output == OutputFormat.Json)
        {
            io.Error.WriteLine($"error: {verb} asks before it changes anything, and {(io.CanAsk ? "JSON output leaves no room for a question" : "stdin is not a terminal")}. Fix: {fix}");
            return ExitCodes.Usage;
        }
        if (await io.Out.ConfirmAsync(question, defaultValue: false, cancellation)) return null;
        io.Out.MarkupLine("nothing changed.");
        return ExitCodes.Ok;
    }

    /// <summary>SITE/.datalyptica/journal/VERB-RUNID.jsonl, opened with its run-started line.</summary>
    public static ApplyJournal OpenJournal(string siteDirectory, string verb, string started)
    {
        var journal = new ApplyJournal(Path.Combine(siteDirectory, ".datalyptica", "journal"), $"{verb}-{ApplyJournal.NewRunId()}");
        journal.Write(ApplyJournal.RunStarted, e => e with { Message = started });
        return journal;
    }

    /// <summary>Each progress line to the log and the journal.</summary>
    public static Action<string> Progress(Action<string> log, ApplyJournal journal) => line =>
    {
        log(line);
        journal.Write("progress", e => e with { Message = line });
    };
}

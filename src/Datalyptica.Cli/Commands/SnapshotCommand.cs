using System.ComponentModel;
using Datalyptica.Contracts.Formats;
using Datalyptica.Engine.Apply;
using Datalyptica.Engine.Planning;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Snapshots;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

public sealed class SnapshotSettings : ConnectingSiteSettings
{
    [CommandArgument(0, "[SITE]")]
    [Description(OptionalSiteDescription)]
    public override string Site { get; init; } = ".";

    [CommandOption("--into <DIR>")]
    [Description("The git repository snapshots are committed to (made on first use, mode 0700). Default: SITE/.datalyptica/snapshots.")]
    public string? Into { get; init; }

    [CommandOption("--limit <PATTERN>")]
    [Description("Only the hosts this Ansible host pattern matches; the others keep their last snapshot.")]
    public string? Limit { get; init; }

    [CommandOption("--message <TEXT>")]
    [Description("Added to the commit message (why this snapshot was taken).")]
    public string? Message { get; init; }

    [CommandOption("--parallel <N>")]
    [Description("Hosts read at once.")]
    [DefaultValue(32)]
    public int Parallel { get; init; } = 32;

    [CommandOption("--install-timer")]
    [Description("Instead of a snapshot now: install a systemd timer on this control node that takes one on a schedule (--on-calendar), with the options given here.")]
    public bool InstallTimer { get; init; }

    [CommandOption("--on-calendar <EVENT>")]
    [Description("The timer's schedule, " + SystemdTimer.CalendarDescription + ".")]
    [DefaultValue("daily")]
    public string OnCalendar { get; init; } = "daily";

    [CommandOption("--unit-dir <DIR>")]
    [Description("Where --install-timer writes its two units.")]
    [DefaultValue("/etc/systemd/system")]
    public string UnitDir { get; init; } = "/etc/systemd/system";

    public override ValidationResult Validate()
    {
        if (Parallel < 1) return ValidationResult.Error("--parallel must be at least 1");
        if (!SystemdTimer.IsCalendarEvent(OnCalendar)) return ValidationResult.Error($"--on-calendar '{OnCalendar}' is not {SystemdTimer.CalendarDescription}");
        if (Message is { } m && m.Any(char.IsControl)) return ValidationResult.Error("--message holds a control character; give one line of text");
        return base.Validate();
    }
}

/// <summary>
/// `datalyptica snapshot [SITE]`: reads every managed file and live setting from the hosts (read-only), masks every
/// secret, and commits the result to a git repository when anything changed. Exit 0 when every host was read, 1 when a
/// host was not (its last snapshot stays; the others are committed).
/// </summary>
public sealed class SnapshotCommand(CliIo io, IHostTransportFactory? transports = null) : AsyncCommand<SnapshotSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, SnapshotSettings settings, CancellationToken cancellation)
    {
        IReadOnlySet<string>? only = null;
        Func<string, IHostTransport>? connect = null;
        if (Cli.OpenSite(io, settings, "a snapshot", site =>
            {
                only = HostLimit.Resolve(settings.Limit, site);
                if (!settings.InstallTimer) connect = PlanFlow.Transports(transports ?? settings.SshFactory(io.Keeper), site, only, connectNow: true);
            }) is not { } session) return ExitCodes.InvalidSite;
        var repository = new SnapshotRepository(settings.Into ?? SnapshotRepository.DefaultFor(session.Directory));
        if (settings.InstallTimer) return SnapshotTimer.Install(io, settings, session, repository.Directory);
        if (only is not null) HostLimit.Show(io, settings.Output, settings.Limit!, session.Site, only);

        var log = Cli.ProgressLog(io, settings.Output);
        var prepared = PreparedSite.Prepare(session, io.Error.WriteLine);
        var desired = prepared.DesiredOn(only);
        log($"reading {desired.Count} host(s)");
        // The journal (as apply's): who read what, and which commit it made; the commits themselves are the history.
        using var journal = RollingRun.OpenJournal(session.Directory, "snapshot", $"snapshot into {repository.Directory}: {string.Join(", ", desired.Select(d => d.Host))}");
        var snapshot = await SnapshotCapture.CaptureAsync(prepared, desired, connect!, new SnapshotOptions { Parallelism = settings.Parallel }, cancellation);
        foreach (var problem in snapshot.Problems)
        {
            io.Error.WriteLine($"{(problem.HostMissed ? "error" : "warning")}: {problem.Where}: {problem.Message}");
            journal.Write("problem", e => e with { Host = problem.HostMissed ? problem.Where : null, Message = $"{problem.Where}: {problem.Message}" });
        }

        if (snapshot.HostsCaptured == 0)
        {
            io.Error.WriteLine($"error: no host was read, so nothing was committed to {repository.Directory}. Fix: bring the hosts back (`datalyptica verify` shows which answer) or leave them out with --limit.");
            journal.Write(ApplyJournal.RunFailed, e => e with { Message = "no host was read" });
            return ExitCodes.Failed;
        }
        var summary = $"snapshot of {session.Site.Name}: {snapshot.HostsCaptured} of {desired.Count} host(s), {snapshot.LiveCaptured} live setting(s)";
        var message = summary + (settings.Message is { } note ? $"\n\n{note}" : "") +
                      (snapshot.Problems.Count > 0 ? "\n\n" + string.Join('\n', snapshot.Problems.Select(p => $"not read: {p.Where}")) : "");
        SnapshotCommit? commit;
        try { commit = await repository.CommitAsync(snapshot, message, cancellation); }
        catch (SnapshotRepositoryException e)
        {
            io.Error.WriteLine($"error: {e.Message}");
            journal.Write(ApplyJournal.RunFailed, x => x with { Message = e.Message });
            return ExitCodes.Failed;
        }
        var last = commit ?? await repository.HeadAsync(cancellation);
        var missed = snapshot.Problems.Any(p => p.HostMissed);
        journal.Write(missed ? ApplyJournal.RunFailed : ApplyJournal.RunCompleted, e => e with
        {
            Message = commit is null ? $"nothing changed since {last?.Id}" : $"committed {commit.Id}: {commit.Changes.Count} change(s)",
        });
        if (settings.Output == OutputFormat.Json)
            Cli.WriteJson(io, new
            {
                formatVersion = Cli.JsonFormatVersion,
                repository = repository.Directory,
                committed = commit is not null,
                commit = last?.Id, at = last?.When,
                hosts = snapshot.HostsCaptured, hostsAsked = desired.Count, files = snapshot.Files.Count, live = snapshot.LiveCaptured,
                changes = commit?.Changes.Select(c => new { c.Path, c.Kind }) ?? [],
                problems = snapshot.Problems.Select(p => new { p.Where, p.Message, p.HostMissed }),
            });
        else
        {
            io.Out.MarkupLine(Markup.Escape(summary));
            if (commit is null)
                io.Out.MarkupLine($"nothing changed since the last snapshot ({Markup.Escape(Short(last?.Id))}, {last?.When:yyyy-MM-dd HH:mm zzz}) in {Markup.Escape(repository.Directory)}");
            else
            {
                io.Out.MarkupLine($"[green]committed[/] {Short(commit.Id)} in {Markup.Escape(repository.Directory)}: " +
                    $"{commit.Changes.Count(c => c.Kind == SnapshotChangeKind.Added)} added, {commit.Changes.Count(c => c.Kind == SnapshotChangeKind.Changed)} changed, " +
                    $"{commit.Changes.Count(c => c.Kind == SnapshotChangeKind.Removed)} removed");
                foreach (var change in commit.Changes.Take(50)) io.Out.MarkupLine($"  {Sign(change.Kind)} {Markup.Escape(change.Path)}");
                if (commit.Changes.Count > 50) io.Out.MarkupLine($"  ... and {commit.Changes.Count - 50} more (git -C {Markup.Escape(repository.Directory)} show --stat)");
            }
        }
        return missed ? ExitCodes.Failed : ExitCodes.Ok;
    }

    internal static string Sign(SnapshotChangeKind kind) => kind switch
    {
        SnapshotChangeKind.Added => "+", SnapshotChangeKind.Removed => "-", _ => "~",
    };

    private static string Short(string? id) => id is null ? "none" : id[..Math.Min(12, id.Length)];
}

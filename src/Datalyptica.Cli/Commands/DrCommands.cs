using System.ComponentModel;
using Datalyptica.Components.Kafka;
using Datalyptica.Components.Patroni;
using Datalyptica.Contracts.Drilling;
using Datalyptica.Drills;
using Datalyptica.Engine.Apply;
using Datalyptica.Sites;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

public class DrSettings : ConnectingSiteSettings
{
    [CommandArgument(0, "<SITE>")]
    [Description(SiteDescription)]
    public override string Site { get; init; } = "";
}

public sealed class DrChangeSettings : DrSettings
{
    [CommandOption("--yes|-y")]
    [Description("Go ahead without asking (needed when stdin is not a terminal).")]
    public bool Yes { get; init; }

    [CommandOption("--wait <SECONDS>")]
    [Description("How long the promotion, or each stage of a rebuild (the clone from the primary site first), may take.")]
    [DefaultValue(1800.0)]
    public double Wait { get; init; } = 1800;

    public override ValidationResult Validate() =>
        Wait is <= 0 or > 86400 ? ValidationResult.Error("--wait must be between 1 and 86400 seconds.") : base.Validate();
}

/// <summary>What the three dr verbs share: the site opened and refused unless its inventory says standby, before anything is asked.</summary>
internal static class DrRun
{
    public static SiteSession? Open(CliIo io, DrSettings settings, string doing)
    {
        if (Cli.OpenSite(io, settings, doing) is not { } session) return null;
        if (PatroniStandbySite.IsStandby(session.Site)) return session;
        io.Error.WriteLine($"error: {session.Directory} is not a standby site (its datalyptica_site_role is primary). The dr verbs act on the standby " +
            $"site. Fix: name the standby site, or set datalyptica_site_role: standby and {PatroniStandbySite.PrimaryAddress.Key} to make this one a standby.");
        return null;
    }

    public static StandbySiteOperations Operations(SiteSession session, Action<string> progress) =>
        new(SiteDrillContext.Open(session, progress), progress);
}

/// <summary>`datalyptica dr status SITE`: the standby leader's WAL receiver and its lag behind the primary site.</summary>
public sealed class DrStatusCommand(CliIo io) : AsyncCommand<DrSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, DrSettings settings, CancellationToken cancellation)
    {
        if (DrRun.Open(io, settings, "dr status") is not { } session) return ExitCodes.InvalidSite;
        StandbySiteStatus status;
        try { status = await DrRun.Operations(session, Cli.ProgressLog(io, settings.Output)).StatusAsync(cancellation); }
        catch (Exception e) when (e is StandbySiteException or DrillException)
        {
            io.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Failed;
        }
        var streaming = status.StandbyLeader is not null && status.Receiver == "streaming";
        if (settings.Output == OutputFormat.Json)
            Cli.WriteJson(io, new
            {
                formatVersion = Cli.JsonFormatVersion, site = session.Site.Name, status.Cluster, status.StandbyLeader, status.Leader,
                members = status.Members.Select(m => new { m.Name, m.Role, m.State, m.Lag }), receiver = status.Receiver, status.Source,
                status.PrimaryLsn, status.ReceivedLsn, status.ReplayedLsn, status.LagBytes, status.LagSeconds, status.PrimaryProblem, streaming,
            });
        else
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumns("Member", "Role", "State");
            foreach (var m in status.Members) table.AddRow(Markup.Escape(m.Name), Markup.Escape(m.Role), Markup.Escape(m.State));
            io.Out.Write(table);
            io.Out.MarkupLine(Markup.Escape(status.StandbyLeader is null
                ? $"{status.Cluster}: {status.Receiver}" + (status.Leader is null ? "" : $" ({status.Leader} leads)")
                : $"{status.Cluster}: standby leader {status.StandbyLeader}, WAL receiver {status.Receiver}" +
                  (status.Source is null ? "" : $" from {status.Source}") +
                  $"; replayed {status.ReplayedLsn ?? "-"}, primary at {status.PrimaryLsn ?? "unknown"}; lag " +
                  (status.LagBytes is { } b ? $"{b} bytes" : "unknown") + (status.LagSeconds is { } s ? $", {s:0.0} s" : "") +
                  (status.PrimaryProblem is null ? "" : $" (the primary did not answer: {status.PrimaryProblem})")));
        }
        return streaming ? ExitCodes.Ok : ExitCodes.Failed;
    }
}

/// <summary>
/// The two verbs that change a site (promote, rebuild): what they do shown, the question asked, the journal written as
/// they go; on failure, where it stopped and the same command to resume (each step repeats safely).
/// </summary>
internal static class DrChange
{
    public static async Task<int> RunAsync(CliIo io, DrChangeSettings settings, SiteSession session, string verb, string plan, string question,
        Func<StandbySiteOperations, TimeSpan, CancellationToken, Task<StandbySiteTiming>> change, Action<StandbySiteTiming> report, CancellationToken cancellation)
    {
        RollingRun.Show(io, settings.Output, plan);
        if (await RollingRun.ConfirmAsync(io, settings.Yes, settings.Output, question, $"dr {verb}", cancellation) is { } declined)
            return declined;
        using var journal = RollingRun.OpenJournal(session.Directory, $"dr-{verb}", $"{verb} {session.Site.Name}");
        StandbySiteTiming timing;
        try { timing = await change(DrRun.Operations(session, RollingRun.Progress(Cli.ProgressLog(io, settings.Output), journal)), TimeSpan.FromSeconds(settings.Wait), cancellation); }
        catch (Exception e) when (e is StandbySiteException or DrillException)
        {
            journal.Write(ApplyJournal.RunFailed, x => x with { Message = e.Message });
            io.Error.WriteLine($"error: dr {verb} stopped: {e.Message}\nEach step repeats safely: resume with datalyptica dr {verb} {session.Directory} --yes");
            return ExitCodes.Failed;
        }
        journal.Write(ApplyJournal.RunCompleted, x => x with { Host = timing.Member, Message = $"{verb} done in {timing.Total.TotalSeconds:0.0} s" });
        report(timing);
        return ExitCodes.Ok;
    }
}

/// <summary>`datalyptica dr promote SITE`: the standby site becomes the primary.</summary>
public sealed class DrPromoteCommand(CliIo io) : AsyncCommand<DrChangeSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, DrChangeSettings settings, CancellationToken cancellation)
    {
        if (DrRun.Open(io, settings, "dr promote") is not { } session) return ExitCodes.InvalidSite;
        var next = $"next: set datalyptica_site_role: primary and remove {PatroniStandbySite.PrimaryAddress.Key} in {session.Directory}/group_vars, " +
                   $"then datalyptica apply {session.Directory} (it backs the new primary up from then on)";
        return await DrChange.RunAsync(io, settings, session, "promote",
            $"Promotion of {session.Site.Name} (cluster {PatroniRenderer.Scope(session.Site)}) to the primary site:\n" +
            (KafkaMirrorMaker.Runs(session.Site) ? "  0. MirrorMaker 2 stops on this site's brokers (disabled): the primary site's topics are no longer copied here\n" : "") +
            "  1. standby_cluster leaves the DCS: the standby leader stops following the primary site and promotes\n" +
            "  2. wait until a member answers GET /primary; HAProxy then sends writes on this site's VIP to it\n" +
            "The other site must no longer take writes (fence it): from now on both could, and what it accepts is not here.",
            $"Promote {session.Site.Name}?", async (operations, within, ct) =>
            {
                await KafkaMirrorMaker.StopForPromotionAsync(operations.Context, operations.Progress, ct);
                return await operations.PromoteAsync(within, ct);
            }, timing =>
            {
                if (settings.Output == OutputFormat.Json)
                    Cli.WriteJson(io, new { formatVersion = Cli.JsonFormatVersion, action = "promote", leader = timing.Member, seconds = timing.Total.TotalSeconds, next });
                else
                {
                    io.Out.MarkupLine(Markup.Escape($"{session.Site.Name} is the primary: {timing.Member} leads ({timing.Total.TotalSeconds:0.0} s)"));
                    io.Out.MarkupLine(Markup.Escape(next));
                }
            }, cancellation);
    }
}

/// <summary>`datalyptica dr rebuild SITE`: the site's cluster made again as a fresh standby of the primary site (failback).</summary>
public sealed class DrRebuildCommand(CliIo io) : AsyncCommand<DrChangeSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, DrChangeSettings settings, CancellationToken cancellation)
    {
        if (DrRun.Open(io, settings, "dr rebuild") is not { } session) return ExitCodes.InvalidSite;
        var primary = $"{PatroniStandbySite.PrimaryAddress.Get(session.Site)}:{PatroniStandbySite.PrimaryPort.Read(session.Site)}";
        return await DrChange.RunAsync(io, settings, session, "rebuild",
            $"Rebuild of {session.Site.Name} as a standby of {primary}:\n" +
            "  1. stop Patroni on every member: this site's database is down until step 4\n" +
            "  2. remove the cluster from the DCS; each data directory is moved aside to DATA.before-dr-rebuild-TIME (never deleted)\n" +
            "  3. the first member clones from the primary site (pg_basebackup) and leads as standby leader\n" +
            "  4. the others clone from it\n" +
            "Everything only this site holds (writes it took after the other site was promoted) stays in those folders.",
            $"Rebuild {session.Site.Name} as a standby?", (operations, within, ct) => operations.RebuildAsync(within, ct), timing =>
            {
                if (settings.Output == OutputFormat.Json)
                    Cli.WriteJson(io, new
                    {
                        formatVersion = Cli.JsonFormatVersion, action = "rebuild", standbyLeader = timing.Member, seconds = timing.Total.TotalSeconds,
                        stages = timing.Stages.ToDictionary(s => s.Key, s => s.Value.TotalSeconds),
                    });
                else
                    io.Out.MarkupLine(Markup.Escape($"{session.Site.Name} is a standby again: {timing.Member} streams from {primary} ({timing.Total.TotalSeconds:0.0} s)"));
            }, cancellation);
    }
}

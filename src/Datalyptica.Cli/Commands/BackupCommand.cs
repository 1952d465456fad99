using System.ComponentModel;
using Datalyptica.Components.PostgreSQL;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Drills;
using Datalyptica.Engine.Apply;
using Datalyptica.Sites;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

public sealed class BackupSettings : ConnectingSiteSettings
{
    public static readonly string[] Actions = ["full", "info", "expire", "restore-test", "restore"];

    [CommandArgument(0, "<SITE>")]
    [Description(SiteDescription)]
    public override string Site { get; init; } = "";

    [CommandArgument(1, "<ACTION>")]
    [Description("full | info | expire | restore-test | restore (the cluster itself, to --target; asks first)")]
    public string Action { get; init; } = "";

    [CommandOption("--target <TIME>")]
    [Description("restore-test, restore: the point in time to recover to, with its UTC offset (e.g. '2026-11-26 01:02:03+00').")]
    public string? Target { get; init; }

    [CommandOption("--query <SQL>")]
    [Description("restore-test: the SQL run on the restored copy (its one value is printed).")]
    [DefaultValue("SELECT count(*) FROM pg_database")]
    public string Query { get; init; } = "SELECT count(*) FROM pg_database";

    [CommandOption("--keep")]
    [Description("restore-test: keep the scratch folder (the throw-away server is stopped either way).")]
    public bool Keep { get; init; }

    [CommandOption("--member <HOST>")]
    [Description("restore: the PostgreSQL member whose data directory is restored and leads afterwards (default: the current leader, else the first member).")]
    public string? Member { get; init; }

    [CommandOption("--yes|-y")]
    [Description("restore: go ahead without asking (needed when stdin is not a terminal).")]
    public bool Yes { get; init; }

    [CommandOption("--wait <SECONDS>")]
    [Description("restore: how long recovery, and then the members' return, may each take.")]
    [DefaultValue(1800.0)]
    public double Wait { get; init; } = 1800;

    public override ValidationResult Validate()
    {
        if (!Actions.Contains(Action)) return ValidationResult.Error($"ACTION must be one of: {string.Join(", ", Actions)} (got '{Action}').");
        var restores = Action is "restore-test" or "restore";
        if (restores && string.IsNullOrWhiteSpace(Target)) return ValidationResult.Error($"{Action} needs --target TIME ({RecoveryTarget.Description}).");
        if (!restores && Target is not null) return ValidationResult.Error("--target is for restore-test and restore only.");
        if (Action != "restore" && (Member is not null || Yes))
            return ValidationResult.Error("--member and --yes are for restore only.");
        if (restores && RecoveryTarget.Parse(Target!, DateTimeOffset.UtcNow).Problem is { } problem)
            return ValidationResult.Error($"--target: {problem}.");
        return Wait is > 0 and <= 86400 ? ValidationResult.Success() : ValidationResult.Error("--wait must be between 1 and 86400 seconds.");
    }
}

/// <summary>
/// `datalyptica backup SITE full|info|expire|restore-test|restore`: pgBackRest on the Patroni leader over SSH, the stanza
/// made first (idempotent). restore-test restores into a scratch folder on the leader's host and queries a throw-away
/// postgres; restore brings the cluster itself back to a point in time (ClusterRestore), after showing what it does and
/// asking.
/// </summary>
public sealed class BackupCommand(CliIo io, IHostTransportFactory? transports = null) : AsyncCommand<BackupSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, BackupSettings settings, CancellationToken cancellation)
    {
        if (Cli.OpenSite(io, settings, "a backup") is not { } session) return ExitCodes.InvalidSite;
        var site = session.Site;
        var factory = transports ?? settings.SshFactory(io.Keeper);
        var open = new Dictionary<string, IHostTransport>();
        // pgBackRest's lines: stderr, or the live status while a full backup runs on a terminal.
        Action<string> sink = line => io.Error.WriteLine(line);
        try
        {
            var pgTarget = PgBackRestTarget.For(site);
            var operations = new PgBackRestOperations(pgTarget, name =>
            {
                lock (open)
                    return open.TryGetValue(name, out var t) ? t : open[name] = factory.Connect(HostConnections.For(site.Hosts.Single(h => h.Name == name)));
            }, line => sink(line));
            if (settings.Action == "restore") return await RestoreAsync(session, pgTarget, operations, settings, cancellation);
            var leader = await operations.FindLeaderAsync(cancellation);
            await operations.EnsureStanzaAsync(leader, cancellation);
            object result;
            switch (settings.Action)
            {
                case "full":
                    var plain = sink;
                    var took = await LiveProgress.RunAsync(io, settings.Output, $"full backup on {leader.HostName}", plain, step =>
                    {
                        sink = step;
                        return operations.FullBackupAsync(leader, cancellation);
                    });
                    sink = plain;
                    var last = (await operations.InfoAsync(leader, cancellation)).LastOrDefault();
                    result = new { backup = last?.Label, seconds = took.TotalSeconds };
                    if (settings.Output != OutputFormat.Json) io.Out.MarkupLine($"full backup {Markup.Escape(last?.Label ?? "?")} on {Markup.Escape(leader.HostName)} in {took.TotalSeconds:0.0} s");
                    break;
                case "expire":
                    await operations.ExpireAsync(leader, cancellation);
                    var left = await operations.InfoAsync(leader, cancellation);
                    result = new { backups = left.Select(b => b.Label) };
                    if (settings.Output != OutputFormat.Json) io.Out.MarkupLine($"expired on {Markup.Escape(leader.HostName)}; {left.Count} backup(s) kept");
                    break;
                case "info":
                    var backups = await operations.InfoAsync(leader, cancellation);
                    result = new { backups = backups.Select(b => new { b.Label, b.Type, start = b.Start, stop = b.Stop }) };
                    if (settings.Output != OutputFormat.Json)
                    {
                        var table = new Table().Border(TableBorder.Rounded).AddColumns("Backup", "Type", "Start (UTC)", "Stop (UTC)");
                        foreach (var b in backups) table.AddRow(b.Label, b.Type, b.Start.UtcDateTime.ToString("u"), b.Stop.UtcDateTime.ToString("u"));
                        io.Out.Write(table);
                    }
                    break;
                default:
                    var r = await operations.RestoreTestAsync(leader, Normalised(settings), settings.Query, settings.Keep, cancellation);
                    result = new { r.Host, r.ScratchDirectory, r.Port, r.Target, r.QueryResult, restoreSeconds = r.Restore.TotalSeconds, recoverySeconds = r.Recovery.TotalSeconds, kept = settings.Keep };
                    if (settings.Output != OutputFormat.Json)
                        io.Out.MarkupLine($"restored to {Markup.Escape(r.Target)} on {Markup.Escape(r.Host)} ({Markup.Escape(r.ScratchDirectory)}, port {r.Port}): " +
                            $"restore {r.Restore.TotalSeconds:0.0} s, recovery {r.Recovery.TotalSeconds:0.0} s; query -> {Markup.Escape(r.QueryResult)}");
                    break;
            }
            if (settings.Output == OutputFormat.Json)
                Cli.WriteJson(io, new { formatVersion = Cli.JsonFormatVersion, action = settings.Action, leader = leader.HostName, result });
            return ExitCodes.Ok;
        }
        finally
        {
            foreach (var t in open.Values) await t.DisposeAsync();
        }
    }

    private static string Normalised(BackupSettings settings) => RecoveryTarget.Parse(settings.Target!, DateTimeOffset.UtcNow).Target!;

    /// <summary>
    /// The cluster restore: checks (a backup from before the target exists; the WAL up to now is archived), the plan
    /// shown, the question asked, then <see cref="ClusterRestore"/> with its progress in the journal. Exit 1 with where it
    /// stopped and how to resume when a step fails.
    /// </summary>
    private async Task<int> RestoreAsync(SiteSession session, PgBackRestTarget pgTarget, PgBackRestOperations operations, BackupSettings settings, CancellationToken cancellation)
    {
        var site = session.Site;
        var target = Normalised(settings);
        PgMember? leader = null;
        try { leader = await operations.FindLeaderAsync(cancellation); }
        catch (BackupException e) { io.Error.WriteLine($"note: {e.Message.Split(". Fix:")[0]}: the restore goes ahead without a leader."); }
        var memberName = settings.Member ?? leader?.HostName ?? pgTarget.Members[0].HostName;
        var member = pgTarget.Members.FirstOrDefault(m => m.HostName == memberName);
        if (member is null)
        {
            io.Error.WriteLine($"error: --member {memberName} is not a PostgreSQL member of {session.Directory} ({string.Join(", ", pgTarget.Members.Select(m => m.HostName))}).");
            return ExitCodes.Usage;
        }
        var backups = await operations.InfoAsync(member, cancellation);
        var at = RecoveryTarget.InstantOf(target);
        // pgBackRest picks the newest backup that stopped before the target, comparing whole seconds.
        var usable = backups.Where(b => b.Stop.AddSeconds(1) <= at).ToList();
        if (usable.Count == 0)
        {
            io.Error.WriteLine($"error: no backup stopped before {target}" + (backups.Count == 0 ? ": the repository holds none." : $"; the oldest stopped at {backups[0].Stop.UtcDateTime:yyyy-MM-dd HH:mm:ss}+00.") +
                $" Nothing was changed. Fix: pick a later --target (datalyptica backup {session.Directory} info).");
            return ExitCodes.Failed;
        }
        if (leader is not null)
        {
            // The WAL written up to now goes to the repository first, so a target minutes ago is reachable.
            try { await operations.CheckAsync(leader, cancellation); }
            catch (BackupException e)
            {
                io.Error.WriteLine($"error: WAL archiving does not work, so the target may not be reachable; nothing was changed: {e.Message} " +
                    "Fix: repair archiving (the check's error says why). A target the archive already reaches can be restored even so: " +
                    "stop Patroni on every member (the check needs a leader and is skipped without one) and run this again.");
                return ExitCodes.Failed;
            }
        }
        var others = pgTarget.Members.Where(m => m != member).Select(m => m.HostName).ToList();
        RollingRun.Show(io, settings.Output,
            $"Restore of cluster {Components.Patroni.PatroniRenderer.Scope(site)} to {target}, from backup {usable[^1].Label} and the archived WAL after it:\n" +
            $"  1. stop Patroni on {string.Concat(others.Select(o => o + ", then "))}{member.HostName}: the database is down until step 4\n" +
            "  2. remove the cluster from the DCS\n" +
            $"  3. {member.HostName}: restore {pgTarget.DataDir} to the target, recover and promote\n" +
            $"  4. {member.HostName}: start Patroni as the new leader; then a full backup of the restored cluster\n" +
            (others.Count > 0 ? $"  5. {string.Join(", ", others)}: empty the data directory and clone again as replicas\n" : "") +
            $"Everything written after {target} is lost.");
        if (await RollingRun.ConfirmAsync(io, settings.Yes, settings.Output, $"Restore the cluster to {target}?", "backup restore", cancellation) is { } declined)
            return declined;

        using var journal = RollingRun.OpenJournal(session.Directory, "restore", $"restore to {target} on {member.HostName}");
        ClusterRestoreResult result;
        try
        {
            // On a terminal, a live status line under the restore's steps (LiveProgress); in a log, timestamped lines.
            result = await LiveProgress.RunAsync(io, settings.Output, $"restore to {target}", Cli.ProgressLog(io, settings.Output), log =>
            {
                var progress = RollingRun.Progress(log, journal);
                return new ClusterRestore(SiteDrillContext.Open(session, progress), pgTarget, progress)
                    .RunAsync(site.Hosts.Single(h => h.Name == member.HostName), target, TimeSpan.FromSeconds(settings.Wait), cancellation);
            });
        }
        catch (Exception e) when (e is RestoreFailedException or Contracts.Drilling.DrillException)
        {
            journal.Write(ApplyJournal.RunFailed, x => x with { Message = e.Message });
            io.Error.WriteLine($"error: the restore stopped: {e.Message}\nThe cluster may be down. Each step repeats safely: resume with " +
                $"datalyptica backup {session.Directory} restore --target '{target}' --member {member.HostName} --yes");
            return ExitCodes.Failed;
        }
        journal.Write(ApplyJournal.RunCompleted, x => x with { Host = result.Member, Message = $"restored to {target} in {result.Total.TotalSeconds:0.0} s" });
        if (settings.Output == OutputFormat.Json)
            Cli.WriteJson(io, new
            {
                formatVersion = Cli.JsonFormatVersion, action = "restore", result.Member, result.Target, backup = usable[^1].Label,
                seconds = new
                {
                    stop = result.Stop.TotalSeconds, restore = result.Restore.TotalSeconds, recovery = result.Recovery.TotalSeconds,
                    leader = result.Leader.TotalSeconds, backup = result.Backup.TotalSeconds, replicas = result.Replicas.TotalSeconds, total = result.Total.TotalSeconds,
                },
            });
        else
            io.Out.MarkupLine(Markup.Escape($"restored cluster to {target} on {result.Member} in {result.Total.TotalSeconds:0.0} s " +
                $"(down {result.Stop.TotalSeconds + result.Restore.TotalSeconds + result.Recovery.TotalSeconds + result.Leader.TotalSeconds:0.0} s until the leader served again)"));
        return ExitCodes.Ok;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Datalyptica.Components.Patroni;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Drilling;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Model;

namespace Datalyptica.Components.PostgreSQL;

/// <summary>How long each stage of a cluster restore took (the restore's RTO is <see cref="Total"/>).</summary>
public sealed record ClusterRestoreResult(string Member, string Target, TimeSpan Stop, TimeSpan Restore, TimeSpan Recovery,
    TimeSpan Leader, TimeSpan Backup, TimeSpan Replicas, TimeSpan Total);

/// <summary>
/// Point-in-time restore of the running cluster itself (`datalyptica backup SITE restore --target TIME`), the procedure
/// autobase's PITR and Patroni's documentation describe for an existing data directory:
/// <list type="number">
/// <item>Patroni stops on every member (the others first, the restoring member last): the cluster is down from here.</item>
/// <item>The cluster's keys are removed from the DCS (patronictl remove), so the restored data directory starts a new
/// cluster history instead of following the old leader.</item>
/// <item>On one member, pgBackRest restores the data directory to the target (--delta: only changed files) and a
/// PostgreSQL reachable only on its socket replays WAL up to it and promotes (a new timeline). The recovery settings
/// pgBackRest wrote (postgresql.auto.conf) are reset, so they never apply again when this member later follows another.</item>
/// <item>Patroni starts there and takes the existing data directory as the new cluster (Patroni adopts a data directory
/// when the DCS has no cluster), then the site's dynamic configuration goes back into the DCS.</item>
/// <item>A full backup of the restored cluster: the first of its new timeline. The replicas restore from it: a backup
/// taken after the target lies on the old timeline, which the new one cannot follow.</item>
/// <item>The other members' data directories are emptied and Patroni started: each clones as a replica (pgBackRest, then
/// streaming), and the run ends when verify's Patroni probes are healthy twice in a row.</item>
/// </list>
/// Every step can run again: a run that stopped is resumed by running the verb again with the same target.
/// </summary>
public sealed class ClusterRestore(DrillContext context, PgBackRestTarget target, Action<string> progress)
{
    /// <summary>Where the recovering PostgreSQL logs (Patroni is stopped, so PostgreSQL's own log folder).</summary>
    public static string RecoveryLog(string stamp) => $"{PostgresLayout.LogDir}/restore-{stamp}.log";

    /// <summary>The parameters pgBackRest's restore writes to postgresql.auto.conf (pgbackrest.org/command.html#command-restore).</summary>
    public static readonly IReadOnlyList<string> RecoverySettings =
        ["restore_command", "recovery_target_time", "recovery_target_action", "recovery_target_timeline", "recovery_target_inclusive"];

    public async Task<ClusterRestoreResult> RunAsync(Host member, string recoveryTarget, TimeSpan within, CancellationToken cancellation)
    {
        var site = context.Site;
        var members = site.HostsWith(PostgreSQLComponent.Member).ToList();
        var others = members.Where(h => h.Name != member.Name).ToList();
        var pg = target.Members.Single(m => m.HostName == member.Name);
        var total = Stopwatch.StartNew();
        var clock = Stopwatch.StartNew();

        progress($"stopping Patroni on {string.Concat(others.Select(h => h.Name + ", then "))}{member.Name}: the cluster is down from now");
        await Task.WhenAll(others.Select(h => StopPatroniAsync(h, cancellation)));
        await StopPatroniAsync(member, cancellation);
        var scope = PatroniRenderer.Scope(site);
        // Not only the members' keys (gone once Patroni stopped): the initialize key, the last leader's position and the
        // history too, or Patroni would refuse to lead from a position behind the old leader's.
        await RunAsync(member, PatroniLifecycle.RemoveClusterCommand(site), cancellation);
        var stop = clock.Elapsed;
        progress($"Patroni stopped everywhere and cluster {scope} removed from the DCS ({stop.TotalSeconds:0.0} s)");

        clock.Restart();
        progress($"{member.Name}: pgBackRest restores {target.DataDir} to {recoveryTarget}");
        await RunAsync(member, PgBackRestCommand($"--delta restore --type=time --target={RemoteCommand.Quote(recoveryTarget)} --target-action=promote"),
            cancellation, TimeSpan.FromHours(12));
        var restore = clock.Elapsed;

        clock.Restart();
        var log = RecoveryLog(DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture));
        var pgCtl = $"cd / && {PgCtl}";
        // Socket only: no client can write to the cluster before it has reached the target and promoted.
        await RunAsync(member, $"{pgCtl} -l {log} -w -t 3600 -o \"-c listen_addresses=''\" start", cancellation, TimeSpan.FromHours(1));
        string Psql(string sql) => $"cd / && {target.AsPostgres} psql -h {pg.SocketDir} -p {pg.Port} -d postgres -XtAq -v ON_ERROR_STOP=1 -c {RemoteCommand.Quote(sql)}";
        await context.WaitUntilAsync($"{member.Name}: recovery to {recoveryTarget} and promotion", async ct =>
        {
            var role = await context.RunAsync(member, Psql("SELECT pg_is_in_recovery()"), ct, TimeSpan.FromSeconds(30));
            if (role.Succeeded && role.Stdout.Trim() == "f") return null;
            var running = await context.RunAsync(member, $"{pgCtl} status >/dev/null", ct, TimeSpan.FromSeconds(30));
            if (!running.Succeeded)
            {
                var tail = await context.RunAsync(member, $"tail -n 8 {log}", ct, TimeSpan.FromSeconds(30));
                throw new RestoreFailedException($"{member.Name}: PostgreSQL stopped during recovery. Its log ({log}): {tail.Stdout.Trim()} " +
                    "Fix: a target after the newest archived WAL cannot be reached (pgbackrest info shows the archive's range); " +
                    "rerun with an earlier --target.");
            }
            return role.Succeeded ? "still in recovery" : role.Stderr.Trim();
        }, within, cancellation, TimeSpan.FromSeconds(1));
        foreach (var setting in RecoverySettings)
            await RunAsync(member, Psql($"ALTER SYSTEM RESET {setting}"), cancellation);
        await RunAsync(member, $"{pgCtl} -m fast -w -t 600 stop", cancellation, TimeSpan.FromMinutes(11));
        var recovery = clock.Elapsed;
        progress($"{member.Name}: recovered to {recoveryTarget} and promoted in {recovery.TotalSeconds:0.0} s");

        clock.Restart();
        await RunAsync(member, "systemctl start patroni", cancellation);
        var leaderCheck = PatroniLifecycle.SwitchOver(site, member).LeaderCheck;
        await context.WaitUntilAsync($"{member.Name}: Patroni leads the restored cluster", async ct =>
            (await context.RunAsync(member, leaderCheck, ct)).Succeeded ? null : "not the leader yet", within, cancellation);
        await RunAsync(member, PatroniLifecycle.DcsPushCommand, cancellation, TimeSpan.FromMinutes(1));
        var leader = clock.Elapsed;
        progress($"{member.Name}: Patroni leads the restored cluster ({leader.TotalSeconds:0.0} s); the site's dynamic configuration is in the DCS");

        clock.Restart();
        // No standby exists yet, so this backup is taken from the primary itself.
        await RunAsync(member, PgBackRestCommand("--type=full --backup-standby=n backup"), cancellation, TimeSpan.FromHours(12));
        var backup = clock.Elapsed;
        progress($"{member.Name}: full backup of the restored cluster ({backup.TotalSeconds:0.0} s)");

        clock.Restart();
        if (others.Count > 0) progress($"re-cloning {string.Join(", ", others.Select(h => h.Name))} from it");
        await Task.WhenAll(others.Select(h => RunAsync(h,
            $"[ -d {RemoteCommand.Quote(target.DataDir)} ] && find {RemoteCommand.Quote(target.DataDir)} -mindepth 1 -delete; systemctl start patroni", cancellation, TimeSpan.FromMinutes(10))));
        await context.WaitComponentHealthyAsync("patroni", within, cancellation);
        var replicas = clock.Elapsed;
        progress($"every member is back and healthy ({replicas.TotalSeconds:0.0} s); total {total.Elapsed.TotalSeconds:0.0} s");
        return new ClusterRestoreResult(member.Name, recoveryTarget, stop, restore, recovery, leader, backup, replicas, total.Elapsed);
    }

    private async Task StopPatroniAsync(Host host, CancellationToken cancellation)
    {
        await RunAsync(host, "systemctl stop patroni", cancellation, TimeSpan.FromMinutes(6));
        // Patroni stops PostgreSQL on its way out. A postmaster still running is the recovering server of a restore that
        // stopped half-way (resumed now): stopped too, and the files are touched only once none runs.
        await RunAsync(host, $"cd / && if {PgCtl} status >/dev/null; then {PgCtl} -m fast -w -t 600 stop; fi; ! {PgCtl} status >/dev/null", cancellation, TimeSpan.FromMinutes(11));
    }

    /// <summary>pg_ctl on the data directory, as postgres (the target's <see cref="PgBackRestTarget.AsPostgres"/>).</summary>
    private string PgCtl => $"{target.AsPostgres} {target.BinDir}/pg_ctl -D {RemoteCommand.Quote(target.DataDir)}";

    /// <summary>pgBackRest on the stanza, as postgres, from / (postgres may not read the SSH session's folder).</summary>
    private string PgBackRestCommand(string arguments) => $"cd / && {target.AsPostgres} pgbackrest --stanza={RemoteCommand.Quote(target.Stanza)} {arguments}";

    private async Task RunAsync(Host host, string command, CancellationToken cancellation, TimeSpan? timeout = null)
    {
        var result = await context.RunAsync(host, command, cancellation, timeout ?? TimeSpan.FromMinutes(2));
        if (!result.Succeeded)
            throw new RestoreFailedException(context.Masker.Mask($"{host.Name}: `{command}` failed (exit {result.ExitCode}): {(result.Stderr + result.Stdout).Trim()}"));
    }
}

/// <summary>A restore step failed; the cluster may be down. The message names the host and the command.</summary>
public sealed class RestoreFailedException(string message) : Exception(message);

/// <summary>
/// A recovery target as the restore verbs take it: a date and time with an explicit UTC offset (the hosts' time zone
/// must not decide which rows survive), normalised to the form pgBackRest and PostgreSQL read.
/// </summary>
public static partial class RecoveryTarget
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:?\d{2})?)\z")]
    private static partial Regex Form { get; }

    public const string Description = "a time with its UTC offset, such as '2026-12-06 14:03:07+00' or '2026-12-06T14:03:07.25Z'";

    /// <summary>The normalised target (UTC, microseconds, "+00"), or null with why not.</summary>
    public static (string? Target, string? Problem) Parse(string text, DateTimeOffset now)
    {
        if (!Form.IsMatch(text))
            return (null, $"'{text}' is not {Description}");
        var iso = text.Replace(' ', 'T');
        if (Regex.IsMatch(iso, @"[+-]\d{2}$")) iso += ":00";
        if (!DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
            return (null, $"'{text}' is not a real date and time");
        if (at > now)
            return (null, $"'{text}' is in the future (now is {now.UtcDateTime:yyyy-MM-dd HH:mm:ss}+00)");
        return (at.UtcDateTime.ToString(NormalForm, CultureInfo.InvariantCulture) + "+00", null);
    }

    private const string NormalForm = "yyyy-MM-dd HH:mm:ss.ffffff";

    /// <summary>The instant of a target <see cref="Parse"/> normalised.</summary>
    public static DateTimeOffset InstantOf(string normalised) =>
        new(DateTime.ParseExact(normalised[..^"+00".Length], NormalForm, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal), TimeSpan.Zero);
}

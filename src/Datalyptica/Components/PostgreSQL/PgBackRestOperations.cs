using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Model;

namespace Datalyptica.Components.PostgreSQL;

/// <summary>One PostgreSQL member as the backup verbs reach it: its host, PostgreSQL port and socket folder.</summary>
public sealed record PgMember(string HostName, int Port, string SocketDir);

/// <summary>What the backup verbs need to know about a site's PostgreSQL cluster.</summary>
public sealed record PgBackRestTarget(string Stanza, string BinDir, IReadOnlyList<PgMember> Members)
{
    /// <summary>The members' data directory (PostgresLayout.DataDir for the site's major).</summary>
    public string DataDir { get; init; } = "";

    /// <summary>
    /// Shell prefix that runs a command as the postgres user (pgbackrest.conf is root:postgres 0640 and pgBackRest
    /// refuses to run as root). Tests swap in a wrapper; real hosts use runuser.
    /// </summary>
    public string AsPostgres { get; init; } = "runuser -u postgres --";

    public static PgBackRestTarget For(Site site)
    {
        var members = site.HostsWith(PostgreSQLComponent.Member)
            .Select(h => new PgMember(h.Name, h.Port(PostgreSQLComponent.Server), PostgresLayout.SocketDir)).ToList();
        if (members.Count == 0)
            throw new BackupException($"site {site.Name} has no PostgreSQL members. Fix: deploy a profile with postgresql (and its pgBackRest) first.");
        var major = PostgresLayout.MajorOf(site.Versions.GetValueOrDefault(PostgreSQLComponent.Member.Component.Id, PostgreSQLComponent.Member.Component.DefaultVersion));
        return new PgBackRestTarget(PostgresLayout.Stanza(site), PostgresLayout.BinDirOf(major), members) { DataDir = PostgresLayout.DataDirOf(major) };
    }
}

/// <summary>A backup step failed; the message names the host, the command and the fix.</summary>
public sealed class BackupException(string message) : Exception(message);

public sealed record BackupInfo(string Label, string Type, DateTimeOffset Start, DateTimeOffset Stop);

public sealed record RestoreTestResult(string Host, string ScratchDirectory, int Port, string Target, string QueryResult,
    TimeSpan Restore, TimeSpan Recovery);

/// <summary>
/// pgBackRest on the Patroni leader over the engine's transport (`datalyptica backup`): full backup, info, expire, and
/// a restore test into a scratch folder with a throw-away postgres on a free port. The running cluster is never
/// touched: restore writes only to a new folder, and the throw-away server listens on a socket in that folder only.
/// </summary>
public sealed class PgBackRestOperations(PgBackRestTarget target, Func<string, IHostTransport> transports, Action<string>? log = null)
{
    public const string ScratchRoot = "/var/lib/postgresql";
    public const string ScratchPrefix = "datalyptica-restore-test-";
    private readonly Action<string> _log = log ?? (_ => { });

    /// <summary>The member whose PostgreSQL is not in recovery: the Patroni leader. Exactly one, or a clear error.</summary>
    public async Task<PgMember> FindLeaderAsync(CancellationToken cancellation)
    {
        var answers = await Task.WhenAll(target.Members.Select(async m =>
        {
            var r = await RunAsync(m, Psql(m.SocketDir, m.Port, "SELECT pg_is_in_recovery()"), cancellation, check: false);
            return (Member: m, Role: r.Succeeded ? r.Stdout.Trim() : $"unreachable ({Tail(r.Stderr)})");
        }));
        var leaders = answers.Where(a => a.Role == "f").Select(a => a.Member).ToList();
        return leaders.Count switch
        {
            1 => leaders[0],
            0 => throw new BackupException("no PostgreSQL member is a primary: " + string.Join("; ", answers.Select(a => $"{a.Member.HostName}: {(a.Role == "t" ? "standby" : a.Role)}")) +
                ". Fix: check `patronictl list` on a member; backups need a running leader."),
            _ => throw new BackupException($"more than one primary ({string.Join(", ", leaders.Select(l => l.HostName))}): a split brain. Fix: resolve it with patronictl before backing up."),
        };
    }

    /// <summary>stanza-create: a no-op when the stanza exists and matches this cluster, so every verb runs it first.</summary>
    public async Task EnsureStanzaAsync(PgMember leader, CancellationToken cancellation) =>
        await PgBackRestAsync(leader, "stanza-create", cancellation);

    public async Task<TimeSpan> FullBackupAsync(PgMember leader, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        await PgBackRestAsync(leader, "--type=full backup", cancellation);
        return clock.Elapsed;
    }

    public async Task ExpireAsync(PgMember leader, CancellationToken cancellation) => await PgBackRestAsync(leader, "expire", cancellation);

    /// <summary>pgBackRest's check: switches WAL and waits until the segment is in the repository (archiving works end to end).</summary>
    public async Task CheckAsync(PgMember leader, CancellationToken cancellation) => await PgBackRestAsync(leader, "check", cancellation);

    public async Task<IReadOnlyList<BackupInfo>> InfoAsync(PgMember leader, CancellationToken cancellation) =>
        ParseInfo((await PgBackRestAsync(leader, "info --output=json", cancellation)).Stdout);

    /// <summary>pgBackRest's `info --output=json`: the stanza's backups, oldest first.</summary>
    public static IReadOnlyList<BackupInfo> ParseInfo(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateArray().SelectMany(stanza => stanza.GetProperty("backup").EnumerateArray()).Select(b => new BackupInfo(
            b.GetProperty("label").GetString()!, b.GetProperty("type").GetString()!,
            DateTimeOffset.FromUnixTimeSeconds(b.GetProperty("timestamp").GetProperty("start").GetInt64()),
            DateTimeOffset.FromUnixTimeSeconds(b.GetProperty("timestamp").GetProperty("stop").GetInt64()))).ToList();
    }

    /// <summary>
    /// Restores the repository to <paramref name="recoveryTarget"/> into a new scratch folder on the leader's host,
    /// starts a throw-away postgres there (socket only, a free port, no archiving), waits for promotion, runs
    /// <paramref name="query"/>, then stops it and removes the folder (unless <paramref name="keep"/>).
    /// </summary>
    public async Task<RestoreTestResult> RestoreTestAsync(PgMember host, string recoveryTarget, string query, bool keep, CancellationToken cancellation)
    {
        var scratch = $"{ScratchRoot}/{ScratchPrefix}{DateTime.UtcNow:yyyyMMddHHmmss}";
        await RunAsync(host, RemoteCommand.Shell("mkdir -m 0700").Arg(scratch).Then(" && chown postgres:postgres").Arg(scratch), cancellation);
        var started = false;
        var port = 0;
        try
        {
            var clock = Stopwatch.StartNew();
            try
            {
                await PgBackRestAsync(host, $"restore --pg1-path={RemoteCommand.Quote(scratch)} --type=time --target={RemoteCommand.Quote(recoveryTarget)} " +
                    "--target-action=promote --archive-mode=off", cancellation);
            }
            catch (BackupException e) when (e.Message.Contains("[075]", StringComparison.Ordinal))
            {
                // pgBackRest compares the target with backups' stop times in whole seconds (seen on the lab).
                throw new BackupException($"{e.Message}. Fix: the target must be at least one whole second after a backup's stop time " +
                    "(datalyptica backup SITE info lists them); pick a later target.");
            }
            var restore = clock.Elapsed;
            port = await FreePortAsync(host, cancellation);
            clock.Restart();
            // Socket only in the scratch folder (listen_addresses=''): nothing but this check can reach it.
            // Small shared_buffers (the live server shares the host); max_connections and the other max_* settings stay as
            // backed up: recovery refuses values below the primary's.
            var options = $"-p {port} -k {scratch} -c listen_addresses='' -c archive_mode=off -c shared_buffers=128MB";
            started = true; // from here on, stop it whatever happens
            var start = await RunAsync(host, RemoteCommand.Shell("cd / &&").Then(" " + target.AsPostgres).Arg($"{target.BinDir}/pg_ctl").Arg("-D").Arg(scratch)
                .Arg("-l").Arg($"{scratch}/restore-test.log").Arg("-w").Arg("-t").Arg("300").Arg("-o").Arg(options).Arg("start"), cancellation, check: false);
            if (!start.Succeeded)
            {
                var serverLog = await RunAsync(host, RemoteCommand.Shell("tail -n 15").Arg($"{scratch}/restore-test.log"), CancellationToken.None, check: false);
                throw new BackupException($"{host.HostName}: the throw-away postgres on the restored copy did not start (exit {start.ExitCode}): " +
                    $"{Tail(start.Stderr + start.Stdout)}; its log: {Tail(serverLog.Stdout)}. Fix: read the log; rerun with --keep to inspect {scratch}.");
            }
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                var r = await RunAsync(host, Psql(scratch, port, "SELECT pg_is_in_recovery()"), cancellation, check: false);
                if (r.Succeeded && r.Stdout.Trim() == "f") break;
                if (deadline.Elapsed > TimeSpan.FromMinutes(5))
                    throw new BackupException($"{host.HostName}: the restored copy in {scratch} did not finish recovery within 5 min (is the WAL after the target archived? SELECT pg_switch_wal() sends it). Fix: rerun with --keep and read {scratch}/restore-test.log.");
                await Task.Delay(500, cancellation);
            }
            var recovery = clock.Elapsed;
            var result = (await RunAsync(host, Psql(scratch, port, query), cancellation)).Stdout.Trim();
            _log($"{host.HostName}: restored to {recoveryTarget} in {restore.TotalSeconds:0.0} s, recovered in {recovery.TotalSeconds:0.0} s; query: {result}");
            return new RestoreTestResult(host.HostName, scratch, port, recoveryTarget, result, restore, recovery);
        }
        finally
        {
            if (started)
                await RunAsync(host, RemoteCommand.Shell(target.AsPostgres).Arg($"{target.BinDir}/pg_ctl").Arg("-D").Arg(scratch).Arg("-m").Arg("immediate").Arg("-w").Arg("stop"),
                    CancellationToken.None, check: false);
            if (!keep)
                await RunAsync(host, RemoteCommand.Shell("rm -rf --one-file-system").Arg(scratch), CancellationToken.None, check: false);
        }
    }

    /// <summary>A port nothing listens on (ss), from a range away from the platform's own ports.</summary>
    private async Task<int> FreePortAsync(PgMember host, CancellationToken cancellation)
    {
        var listening = (await RunAsync(host, RemoteCommand.Shell("ss -Htln"), cancellation)).Stdout;
        var used = listening.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length >= 4)
            .Select(f => f[3][(f[3].LastIndexOf(':') + 1)..]).Select(p => int.TryParse(p, out var n) ? n : 0).ToHashSet();
        for (var port = 55432; port < 55532; port++)
            if (!used.Contains(port)) return port;
        throw new BackupException($"{host.HostName}: no free port in 55432-55531 for the throw-away postgres. Fix: free one (ss -ltn).");
    }

    private RemoteCommand Psql(string socketDir, int port, string sql) =>
        RemoteCommand.Shell(target.AsPostgres).Arg("psql").Arg("-h").Arg(socketDir).Arg("-p").Arg(port.ToString(CultureInfo.InvariantCulture))
            .Arg("-d").Arg("postgres").Arg("-XtAq").Arg("-v").Arg("ON_ERROR_STOP=1").Arg("-c").Arg(sql);

    private async Task<CommandResult> PgBackRestAsync(PgMember host, string arguments, CancellationToken cancellation) =>
        await RunAsync(host, RemoteCommand.Shell($"{target.AsPostgres} pgbackrest --stanza={RemoteCommand.Quote(target.Stanza)} {arguments}"), cancellation);

    private async Task<CommandResult> RunAsync(PgMember host, RemoteCommand command, CancellationToken cancellation, bool check = true)
    {
        var result = await transports(host.HostName).RunAsync(command, cancellation);
        if (check && !result.Succeeded)
            throw new BackupException($"{host.HostName}: `{command.Display}` failed (exit {result.ExitCode}): {Tail(result.Stderr + result.Stdout)}");
        return result;
    }

    private static string Tail(string text) =>
        string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(6));
}

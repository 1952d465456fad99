using System.Diagnostics;
using System.Globalization;
using Datalyptica.Components.PostgreSQL;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Drilling;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Model;

namespace Datalyptica.Components.Patroni;

/// <summary>
/// Where a standby site stands: its Patroni members, and on its standby leader the WAL receiver and how far replay is
/// behind the primary site's current WAL position (asked of the primary itself over the replication connection).
/// </summary>
public sealed record StandbySiteStatus(
    string Cluster, string? StandbyLeader, string? Leader, IReadOnlyList<PatroniMember> Members,
    string Receiver, string? Source, string? PrimaryLsn, string? ReceivedLsn, string? ReplayedLsn,
    long? LagBytes, double? LagSeconds, string? PrimaryProblem);

/// <summary>How long a promotion or a rebuild took, stage by stage.</summary>
public sealed record StandbySiteTiming(string Member, TimeSpan Total, IReadOnlyDictionary<string, TimeSpan> Stages);

/// <summary>A DR step could not run or failed; the message says what to do.</summary>
public sealed class StandbySiteException(string message) : Exception(message);

/// <summary>
/// `datalyptica dr status|promote|rebuild` on a standby site (Patroni docs, standby_cluster.rst; PostgreSQL docs,
/// pg_stat_wal_receiver and the replication protocol's IDENTIFY_SYSTEM). Every command runs on the site's own hosts over
/// SSH; the primary site is reached only through the standby leader's own replication connection.
/// </summary>
public sealed class StandbySiteOperations(DrillContext context, Action<string> progress)
{
    private Site Site => context.Site;
    /// <summary>The site's drill context and progress, for a step of another component around these (MirrorMaker on promote).</summary>
    public DrillContext Context => context;
    public Action<string> Progress => progress;
    private IReadOnlyList<Host> Members => PatroniDrills.Members(context);
    private PgBackRestTarget Pg => PgBackRestTarget.For(Site);

    private static string RestUrl(Host host) => $"http://{host.Endpoint(PatroniComponent.RestApi)}";

    private string Psql(Host host, string sql)
    {
        var member = Pg.Members.Single(m => m.HostName == host.Name);
        return $"cd / && {Pg.AsPostgres} psql -h {member.SocketDir} -p {member.Port} -d postgres -XtAq -v ON_ERROR_STOP=1 -c {RemoteCommand.Quote(sql)}";
    }

    public async Task<StandbySiteStatus> StatusAsync(CancellationToken cancellation)
    {
        var members = await PatroniDrills.ClusterAsync(context, cancellation);
        var scope = PatroniRenderer.Scope(Site);
        var standbyLeader = members.FirstOrDefault(m => m.Role == "standby_leader")?.Name;
        var leader = members.FirstOrDefault(m => m.Role is "leader" or "master")?.Name;
        if (standbyLeader is null)
            return new StandbySiteStatus(scope, null, leader, members, leader is null ? "no standby leader" : "promoted: this site is a primary",
                null, null, null, null, null, null, null);

        var host = context.HostNamed(standbyLeader);
        const string receiverSql =
            "SELECT coalesce(r.status, 'stopped'), coalesce(r.sender_host || ':' || r.sender_port, ''), " +
            "coalesce(pg_last_wal_receive_lsn()::text, ''), coalesce(pg_last_wal_replay_lsn()::text, ''), " +
            "coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp())::text, '') " +
            "FROM (SELECT 1) one LEFT JOIN pg_stat_wal_receiver r ON true";
        var row = (await context.RunCheckedAsync(host, Psql(host, receiverSql), cancellation, TimeSpan.FromSeconds(30))).Trim().Split('|');
        if (row.Length < 5) throw new StandbySiteException($"{standbyLeader}: unexpected answer from pg_stat_wal_receiver: {string.Join("|", row)}");
        var (receiver, source, received, replayed, replayAge) = (row[0], Blank(row[1]), Blank(row[2]), Blank(row[3]), Blank(row[4]));

        // The primary's own position: IDENTIFY_SYSTEM over the standby leader's replication connection (its
        // primary_conninfo names the VIP, the replication user and Patroni's passfile). A conninfo that held a password
        // itself would put it on psql's command line, visible to every local user: refused instead.
        var identify = await context.RunAsync(host,
            $"ci=$({Psql(host, "SHOW primary_conninfo")}) && {RefuseConninfoWithPassword} && " +
            $"cd / && {Pg.AsPostgres} psql \"$ci connect_timeout=3 replication=true\" -XtAq -c IDENTIFY_SYSTEM",
            cancellation, TimeSpan.FromSeconds(30));
        string? primaryLsn = null, primaryProblem = null;
        var fields = identify.Stdout.Trim().Split('|');
        if (identify.Succeeded && fields.Length >= 3 && Lsn.TryParse(fields[2], out _)) primaryLsn = fields[2];
        else primaryProblem = context.Masker.Mask(FirstLine(identify.Stderr) ?? $"IDENTIFY_SYSTEM exited {identify.ExitCode}");

        long? lagBytes = primaryLsn is not null && replayed is not null && Lsn.TryParse(primaryLsn, out var p) && Lsn.TryParse(replayed, out var r)
            ? Math.Max(0, p - r) : null;
        // Seconds since the last replayed commit, but 0 when nothing is outstanding (an idle primary writes no commits).
        double? lagSeconds = lagBytes == 0 ? 0 : double.TryParse(replayAge, CultureInfo.InvariantCulture, out var age) ? Math.Max(0, age) : null;
        return new StandbySiteStatus(scope, standbyLeader, leader, members, receiver, source, primaryLsn, received, replayed, lagBytes, lagSeconds, primaryProblem);
    }

    /// <summary>Shell: exit 3 (saying why, never what) when $ci, a connection string, holds a password.</summary>
    public const string RefuseConninfoWithPassword =
        "case \"$ci\" in *password=*) echo 'primary_conninfo holds a password; not passing it on a command line' >&2; exit 3;; esac";

    private static string? Blank(string text) => text.Length == 0 ? null : text;
    private static string? FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();

    /// <summary>
    /// Makes the standby site the primary: standby_cluster leaves the DCS (patronictl edit-config; the standby leader
    /// promotes on its next loop), then waits until a member answers GET /primary. Refused unless a standby leader runs.
    /// </summary>
    public async Task<StandbySiteTiming> PromoteAsync(TimeSpan within, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var members = await PatroniDrills.ClusterAsync(context, cancellation);
        if (members.FirstOrDefault(m => m.Role is "leader" or "master") is { } leader)
            throw new StandbySiteException($"{Site.Name} is already a primary ({leader.Name} leads). Nothing was changed.");
        var standbyLeader = members.FirstOrDefault(m => m.Role == "standby_leader")
            ?? throw new StandbySiteException($"{Site.Name} has no standby leader to promote (members: " +
                $"{string.Join(", ", members.Select(m => $"{m.Name} {m.Role} {m.State}"))}). Fix: datalyptica verify, then run this again.");
        var host = context.HostNamed(standbyLeader.Name);
        progress($"{host.Name}: standby_cluster leaves the DCS; the standby leader promotes on its next loop");
        await context.RunCheckedAsync(host, $"patronictl -c {PatroniRenderer.ConfigPath} edit-config --set standby_cluster=null --force", cancellation, TimeSpan.FromMinutes(1));
        var edited = clock.Elapsed;
        string? promoted = null;
        await context.WaitUntilAsync($"a member of {Site.Name} answering GET /primary", async ct =>
        {
            foreach (var member in Members)
                if ((await context.RunAsync(host, $"curl -sf -m 2 -o /dev/null {RestUrl(member)}/primary", ct, TimeSpan.FromSeconds(5))).Succeeded)
                {
                    promoted = member.Name;
                    return null;
                }
            return "no member answers /primary yet";
        }, within, cancellation, TimeSpan.FromMilliseconds(250));
        progress($"{promoted} leads {Site.Name} as a primary ({clock.Elapsed.TotalSeconds:0.0} s)");
        return new StandbySiteTiming(promoted!, clock.Elapsed, new Dictionary<string, TimeSpan> { ["edit-config"] = edited, ["primary"] = clock.Elapsed - edited });
    }

    /// <summary>
    /// Turns this site's cluster, whatever it holds, into a fresh standby of the primary its configuration names (failback:
    /// the old primary site after `dr promote` made the other the primary). Patroni stops everywhere, the cluster leaves the
    /// DCS, each data directory is moved aside (DATA.before-dr-rebuild-TIME, never deleted), and Patroni starts again: the
    /// first member clones from the primary site (standby_cluster's pg_basebackup) and leads as standby leader, the others
    /// clone from it.
    /// </summary>
    public async Task<StandbySiteTiming> RebuildAsync(TimeSpan within, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var stages = new Dictionary<string, TimeSpan>();
        var first = PatroniRenderer.DcsSyncHost(Site) ?? throw new StandbySiteException($"{Site.Name} has no Patroni member.");
        var others = Members.Where(h => h != first).ToList();
        // The hosts must already hold the standby configuration (apply renders it; its DCS step refuses to demote).
        foreach (var host in Members)
        {
            var holds = await context.RunAsync(host, $"python3 -c 'import sys, yaml; sys.exit(0 if yaml.safe_load(open(sys.argv[1]))[\"bootstrap\"][\"dcs\"].get(\"standby_cluster\") else 1)' {PatroniRenderer.ConfigPath}",
                cancellation, TimeSpan.FromSeconds(30));
            if (!holds.Succeeded)
                throw new StandbySiteException($"{host.Name}: {PatroniRenderer.ConfigPath} has no standby_cluster, so Patroni would start a primary again. Nothing was changed. " +
                    $"Fix: set datalyptica_site_role: standby and dr_primary_address, run `datalyptica apply` (its patroni-dcs step refuses to demote a running primary: expected), then this again.");
        }

        progress($"stopping Patroni on {string.Concat(others.Select(h => h.Name + ", then "))}{first.Name}: this site's database is down from now");
        foreach (var host in others.Append(first))
            await context.RunCheckedAsync(host, "systemctl stop patroni", cancellation, TimeSpan.FromMinutes(6));
        await context.RunCheckedAsync(first, PatroniLifecycle.RemoveClusterCommand(Site), cancellation);
        // Never deleted here: what only this site held stays for the operator (a resumed run keeps its partial clone too).
        var keptName = $"{Pg.DataDir}.before-dr-rebuild-{DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}";
        var data = RemoteCommand.Quote(Pg.DataDir);
        foreach (var host in Members)
            await context.RunCheckedAsync(host, $"if [ -d {data} ]; then mv {data} {RemoteCommand.Quote(keptName)}; fi", cancellation, TimeSpan.FromMinutes(10));
        stages["stop"] = clock.Elapsed;
        progress($"Patroni stopped, cluster removed from the DCS, data directories kept as {keptName} ({clock.Elapsed.TotalSeconds:0.0} s); remove them once this site is whole");

        var mark = clock.Elapsed;
        await context.RunCheckedAsync(first, "systemctl start patroni", cancellation);
        await context.WaitUntilAsync($"{first.Name}: cloned from the primary site and leading as standby leader", async ct =>
            (await context.RunAsync(first, $"curl -sf -m 2 -o /dev/null {RestUrl(first)}/standby-leader", ct, TimeSpan.FromSeconds(5))).Succeeded
                ? null : "not the standby leader yet", within, cancellation);
        stages["standby leader"] = clock.Elapsed - mark;
        progress($"{first.Name} streams from the primary site as standby leader ({stages["standby leader"].TotalSeconds:0.0} s)");

        mark = clock.Elapsed;
        foreach (var host in others) await context.RunCheckedAsync(host, "systemctl start patroni", cancellation);
        await context.WaitComponentHealthyAsync("patroni", within, cancellation);
        stages["members"] = clock.Elapsed - mark;
        progress($"every member is back and healthy ({stages["members"].TotalSeconds:0.0} s); total {clock.Elapsed.TotalSeconds:0.0} s");
        return new StandbySiteTiming(first.Name, clock.Elapsed, stages);
    }
}

/// <summary>A PostgreSQL WAL position ("16/B374D848": high and low 32 bits in hex) as a byte offset.</summary>
public static class Lsn
{
    public static bool TryParse(string text, out long position)
    {
        position = 0;
        var parts = text.Trim().Split('/');
        if (parts.Length != 2 || !uint.TryParse(parts[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var high)
            || !uint.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var low)) return false;
        position = ((long)high << 32) | low;
        return true;
    }
}

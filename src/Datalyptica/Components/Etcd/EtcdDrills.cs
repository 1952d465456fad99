using System.Text.Json;
using Datalyptica.Components.Patroni;
using Datalyptica.Components.PostgreSQL;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Drilling;
using Datalyptica.Model;

namespace Datalyptica.Components.Etcd;

/// <summary>
/// etcd's drill (etcd-stop): one member stopped (a Raft follower not on Patroni's leader host) under writes through the
/// VIP; the remaining majority must serve put/get and Patroni's leader must neither change nor stall writes.
/// </summary>
public static class EtcdDrills
{
    // The limit of issue 6.
    public static readonly TimeSpan GapLimit = TimeSpan.FromSeconds(1);

    public static readonly IDrill Stop = new Drill("etcd-stop", 60, GapLimit, [EtcdSettings.HeartbeatInterval.Key, EtcdSettings.ElectionTimeout.Key, Patroni.PatroniSettings.LoopWait.Key], EtcdStopAsync) { Writes = true };

    /// <summary>
    /// With etcd's quorum gone, Patroni's failsafe_mode (rendered on: docs/DRILLS.md says why) keeps the leader a primary
    /// while every member answers its POST /failsafe, so writes go on; the limit bounds the longest gap between them.
    /// </summary>
    public static readonly TimeSpan QuorumLossGapLimit = TimeSpan.FromSeconds(2);
    public static readonly IDrill QuorumLoss = new Drill("etcd-quorum-loss", 65, QuorumLossGapLimit,
        [Patroni.PatroniSettings.Ttl.Key, Patroni.PatroniSettings.LoopWait.Key, Patroni.PatroniSettings.RetryTimeout.Key], QuorumLossAsync) { Writes = true };

    public static readonly IReadOnlyList<IDrill> All = [Stop, QuorumLoss];

    private static async Task EtcdStopAsync(DrillContext context, DrillRecorder recorder, CancellationToken cancellation)
    {
        var members = context.Site.HostsWith(EtcdComponent.Member).ToList();
        await PatroniDrills.WaitWholeAsync(context, TimeSpan.FromSeconds(90), cancellation);
        var patroni = await PatroniDrills.ClusterAsync(context, cancellation);
        var leader = patroni.Single(m => m.IsLeader).Name;
        // Stop a member that is neither etcd's Raft leader nor on Patroni's leader host (Patroni's leader talks to its
        // own host's member first), so the drill shows a follower loss; a leader loss is an election on top.
        var raftLeader = await RaftLeaderAsync(context, cancellation);
        var victim = members.FirstOrDefault(h => h.Name != leader && h != raftLeader) ?? members.First(h => h.Name != leader);
        var other = members.First(h => h != victim);
        context.Log($"stopping etcd on {victim.Name} (Patroni leader {leader}; writes checked through {other.Name})");
        var victimLeads = victim == raftLeader;
        recorder.Setting("stopped member", $"{victim.Name} ({(victimLeads ? "the Raft leader: no follower was free" : "a Raft follower")}, not on Patroni's leader host {leader})");

        var (writer, ledger, running, stop) = await PostgresWriteLoad.StartAsync(context, cancellation);
        var fault = await DrillSteps.FaultAsync(context, victim, "systemctl stop etcd", ledger, cancellation);
        var key = $"/datalyptica/drill/{DateTime.UtcNow:yyyyMMddHHmmss}";
        var onlyOthers = members.Where(h => h != victim).ToList();
        await EtcdctlAsync(context, other, onlyOthers, $"put {key} ok", cancellation);
        var got = await EtcdctlAsync(context, other, onlyOthers, $"get {key} --print-value-only", cancellation);
        if (got.Trim() != "ok") recorder.Fail($"etcd put/get through {other.Name} with {victim.Name} stopped returned '{got.Trim()}'");
        else recorder.Note($"etcd put/get through {other.Name} with {victim.Name} stopped: ok");
        await EtcdctlAsync(context, other, onlyOthers, $"del {key}", cancellation);
        // Watch at least three Patroni loops with the member gone.
        var (_, loopWait, _) = PatroniRenderer.Timing(context.Site);
        var watch = TimeSpan.FromSeconds(Math.Max(15, 3 * loopWait));
        await Task.Delay(watch, cancellation);
        var gapEnd = ledger.Now;
        recorder.Measure($"longest gap between acknowledged writes in the {watch.TotalSeconds:0} s after the stop", ledger.LongestGap(fault, gapEnd), GapLimit);
        await DrillSteps.FinishWritesAsync(context, recorder, writer, ledger, running, stop, cancellation);
        var after = await PatroniDrills.ClusterAsync(context, cancellation);
        var leaderAfter = after.SingleOrDefault(m => m.IsLeader)?.Name;
        if (leaderAfter != leader) recorder.Fail($"Patroni's leader changed from {leader} to {leaderAfter ?? "none"} with one etcd member stopped");
        else recorder.Note($"Patroni leader unchanged ({leader})");

        await context.RunCheckedAsync(victim, "systemctl start etcd", cancellation, TimeSpan.FromSeconds(60));
        await context.WaitUntilAsync($"etcd on {victim.Name} healthy again", async ct =>
        {
            var health = await context.RunAsync(other, EtcdctlCommand(members, "endpoint health"), ct);
            return health.Succeeded ? null : (health.Stderr + health.Stdout).Trim();
        }, TimeSpan.FromSeconds(60), cancellation, TimeSpan.FromSeconds(2));
        await context.WaitHealthyAsync(DrillSteps.WholeAgainWithin, cancellation);
    }

    /// <summary>
    /// Two of three etcd members stopped (quorum lost: no DCS write anywhere) under writes through the VIP, for longer than
    /// Patroni's TTL and a few loops. Measured: the longest gap between acknowledged writes while quorum is gone; then the
    /// members started again and the time until etcd is healthy and Patroni's leader writes its key again. What Patroni
    /// did is read from the leader's journal (failsafe lines) and recorded.
    /// </summary>
    private static async Task QuorumLossAsync(DrillContext context, DrillRecorder recorder, CancellationToken cancellation)
    {
        var members = context.Site.HostsWith(EtcdComponent.Member).ToList();
        var majority = members.Count / 2 + 1;
        await PatroniDrills.WaitWholeAsync(context, TimeSpan.FromSeconds(90), cancellation);
        var leader = context.HostNamed((await PatroniDrills.ClusterAsync(context, cancellation)).Single(m => m.IsLeader).Name);
        var config = await context.RunCheckedAsync(leader, $"curl -sf -m 3 http://{leader.Endpoint(Patroni.PatroniComponent.RestApi)}/config", cancellation);
        using (var doc = JsonDocument.Parse(config))
            recorder.Setting("patroni failsafe_mode (live, DCS)", doc.RootElement.TryGetProperty("failsafe_mode", out var f) ? f.ToString() : "absent (off)");
        // Stop enough members that no majority is left; the Patroni leader's own member last, so it keeps one to ask.
        var victims = members.OrderBy(h => h == leader).Take(members.Count - majority + 1).ToList();
        recorder.Setting("stopped members", $"{string.Join(", ", victims.Select(h => h.Name))} ({victims.Count} of {members.Count}: quorum needs {majority})");
        var (ttl, loopWait, _) = PatroniRenderer.Timing(context.Site);
        var watch = TimeSpan.FromSeconds(ttl + 3 * loopWait + 5);

        var (writer, ledger, running, stop) = await PostgresWriteLoad.StartAsync(context, cancellation);
        try
        {
            // Patroni logs to its own file (log.dir): what it says while quorum is gone is read from the lines after this count.
            var patroniLog = $"{PatroniRenderer.LogDir}/patroni.log";
            var linesBefore = (await context.RunCheckedAsync(leader, $"wc -l < {patroniLog} 2>/dev/null || echo 0", cancellation)).Trim();
            var fault = ledger.Now;
            await Task.WhenAll(victims.Select(h => context.RunCheckedAsync(h, "systemctl stop etcd", cancellation, TimeSpan.FromSeconds(60))));
            context.Log($"etcd stopped on {string.Join(", ", victims.Select(h => h.Name))}: no quorum; watching writes for {watch.TotalSeconds:0} s");
            try
            {
                await Task.Delay(watch, cancellation);
                recorder.Measure($"longest gap between acknowledged writes in the {watch.TotalSeconds:0} s without etcd quorum", ledger.LongestGap(fault, ledger.Now), QuorumLossGapLimit);
                var role = await context.RunAsync(leader, $"curl -s -m 3 http://{leader.Endpoint(Patroni.PatroniComponent.RestApi)}/patroni", cancellation);
                var status = role.Succeeded ? PatroniDrills.MemberStatus.Parse(role.Stdout) : null;
                recorder.Note($"{leader.Name} after {watch.TotalSeconds:0} s without quorum: {status?.ToString() ?? "no answer from GET /patroni"}" +
                    (status is { RunningPrimary: true } ? " (still the primary)" : ""));
            }
            finally
            {
                await Task.WhenAll(victims.Select(h => context.RunCheckedAsync(h, "systemctl start etcd", CancellationToken.None, TimeSpan.FromSeconds(60))));
            }
            var back = ledger.Now;
            await context.WaitUntilAsync("etcd healthy again (every member)", async ct =>
            {
                var health = await context.RunAsync(members.First(h => !victims.Contains(h)), EtcdctlCommand(members, "endpoint health"), ct);
                return health.Succeeded ? null : (health.Stderr + health.Stdout).Trim();
            }, TimeSpan.FromSeconds(60), cancellation, TimeSpan.FromSeconds(1));
            recorder.Measure("from the members started to etcd healthy", ledger.Now - back, TimeSpan.FromSeconds(30));
            var said = await context.RunAsync(leader, $"tail -n +{long.Parse(linesBefore, System.Globalization.CultureInfo.InvariantCulture) + 1} {patroniLog} | " +
                "grep -iE 'failsafe|DCS is not accessible|demot' | sed -E 's/^[0-9-]+ [0-9:,]+ //' | sort | uniq -c | sort -rn | head -5", cancellation);
            recorder.Note($"{leader.Name}'s Patroni log while quorum was gone: " +
                (said.Stdout.Trim() is { Length: > 0 } lines ? string.Join("; ", lines.Split('\n').Select(l => l.Trim())) : "no failsafe, DCS or demotion line"));
            await DrillSteps.FinishWritesAsync(context, recorder, writer, ledger, running, stop, cancellation);
        }
        finally { await DrillSteps.StopWritesAsync(stop, running); }
        var after = (await PatroniDrills.ClusterAsync(context, cancellation)).SingleOrDefault(m => m.IsLeader)?.Name;
        if (after != leader.Name) recorder.Note($"Patroni's leader changed from {leader.Name} to {after ?? "none"} across the quorum loss");
        else recorder.Note($"Patroni leader unchanged ({leader.Name})");
        await context.WaitHealthyAsync(DrillSteps.WholeAgainWithin, cancellation);
    }

    /// <summary>The etcd member that leads Raft now (etcdctl endpoint status on every member), or null when none answers with one.</summary>
    public static async Task<Host?> RaftLeaderAsync(DrillContext context, CancellationToken cancellation)
    {
        var members = context.Site.HostsWith(EtcdComponent.Member).ToList();
        // Asked on the first member that answers (etcdctl and the member's certificates are on etcd's own hosts).
        string? status = null;
        foreach (var on in members)
        {
            try { status = await EtcdctlAsync(context, on, members, "endpoint status -w json", cancellation); break; }
            catch (DrillException) when (on != members[^1]) { }
        }
        string? raftLeader = null;
        var memberIds = new Dictionary<string, string>();
        using (var doc = JsonDocument.Parse(status!))
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                var header = e.GetProperty("Status").GetProperty("header");
                memberIds[e.GetProperty("Endpoint").GetString()!] = header.GetProperty("member_id").GetRawText();
                raftLeader = e.GetProperty("Status").GetProperty("leader").GetRawText();
            }
        return members.FirstOrDefault(h => raftLeader is not null && memberIds.GetValueOrDefault(Endpoint(h)) == raftLeader);
    }

    private static string Endpoint(Host h) => $"https://{h.Address}:{h.Port(EtcdComponent.Client)}";

    // Run on an etcd member, which has etcdctl (etcd-client comes with etcd) and its server certificate, issued from
    // SITE/pki for server and client use; Patroni's hosts have neither when etcd has hosts of its own (lab up --etcd-apart).
    private static string EtcdctlCommand(IEnumerable<Host> endpoints, string command) =>
        $"ETCDCTL_API=3 etcdctl --command-timeout=5s --endpoints={string.Join(",", endpoints.Select(Endpoint))} " +
        $"--cacert={EtcdRenderer.PkiDir}/ca.crt --cert={EtcdRenderer.PkiDir}/server.crt --key={EtcdRenderer.PkiDir}/server.key {command}";

    private static Task<string> EtcdctlAsync(DrillContext context, Host on, IEnumerable<Host> endpoints, string command, CancellationToken cancellation) =>
        context.RunCheckedAsync(on, EtcdctlCommand(endpoints, command), cancellation, TimeSpan.FromSeconds(15));
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Datalyptica.Components.Etcd;
using Datalyptica.Components.HAProxy;
using Datalyptica.Components.PostgreSQL;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Drilling;
using Datalyptica.Model;

namespace Datalyptica.Components.Patroni;

/// <summary>
/// Patroni's failover drills: the leader stopped cleanly (patroni-stop) or its host crashed (patroni-crash) under writes
/// through the VIP; and how a drill asks the cluster whether it is whole (the judge verify uses, <see cref="PatroniCluster"/>).
/// </summary>
public static partial class PatroniDrills
{
    // The limits of issue 6.
    public static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan CrashLimit = TimeSpan.FromSeconds(30);

    /// <summary>The settings a leader failover's time follows from (its worst case is recorded from their live values).</summary>
    private static readonly IReadOnlyList<string> Timings = [PatroniSettings.Ttl.Key, PatroniSettings.LoopWait.Key, PatroniSettings.RetryTimeout.Key];

    public static readonly IDrill Stop = new Drill("patroni-stop", 10, StopLimit, Timings,
        (context, recorder, cancellation) => PatroniLeaderAsync(context, recorder, crash: false, cancellation)) { Writes = true };
    public static readonly IDrill Crash = new Drill("patroni-crash", 20, CrashLimit, Timings,
        (context, recorder, cancellation) => PatroniLeaderAsync(context, recorder, crash: true, cancellation)) { Writes = true };

    /// <summary>A partition must fail over like a crash; the isolated leader must stop being primary within its TTL.</summary>
    public static readonly IDrill Partition = new Drill("patroni-partition", 22, CrashLimit, Timings,
        PartitionAsync) { Writes = true };

    /// <summary>Every host powered off at once and booted: the platform must come back by itself (issue 19's full power loss).</summary>
    public static readonly TimeSpan PowerLossLimit = TimeSpan.FromMinutes(3);
    public static readonly TimeSpan HealthyAfterPowerLossLimit = TimeSpan.FromMinutes(5);
    public static readonly IDrill PowerLoss = new Drill("power-loss", 90, PowerLossLimit, Timings, PowerLossAsync) { Writes = true };

    public static readonly IReadOnlyList<IDrill> All = [Stop, Crash, Partition, PowerLoss];

    public static IReadOnlyList<Host> Members(DrillContext context) => context.Site.HostsWith(PatroniComponent.Member).ToList();

    /// <summary>GET /cluster from Patroni's REST API, asked on the first member that answers (the API is firewalled to members).</summary>
    public static async Task<IReadOnlyList<PatroniMember>> ClusterAsync(DrillContext context, CancellationToken cancellation, IEnumerable<Host>? askOn = null)
    {
        var errors = new List<string>();
        foreach (var host in askOn ?? Members(context))
        {
            try
            {
                var port = host.Port(PatroniComponent.RestApi);
                var result = await context.RunAsync(host, $"curl -sf -m 3 http://{host.Address}:{port}/cluster", cancellation, TimeSpan.FromSeconds(5));
                if (result.Succeeded) return PatroniCluster.Parse(result.Stdout);
                errors.Add($"{host.Name}: curl exited {result.ExitCode}");
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested) { errors.Add($"{host.Name}: {context.Masker.Mask(e.Message)}"); }
        }
        throw new DrillException($"no Patroni member answered GET /cluster ({string.Join("; ", errors)})");
    }

    /// <summary>Whole as verify judges it: every member running or streaming, one leader, the synchronous standbys the site asks for.</summary>
    public static string? Problem(DrillContext context, IReadOnlyList<PatroniMember> members) =>
        PatroniCluster.Problem(members, PatroniCluster.Expect(context.Site, Members(context).Select(h => h.Name).ToList()));

    public static Task<TimeSpan> WaitWholeAsync(DrillContext context, TimeSpan within, CancellationToken cancellation) =>
        context.WaitUntilAsync("Patroni cluster whole (every member running/streaming, one leader, a sync standby)",
            async ct => Problem(context, await ClusterAsync(context, ct)), within, cancellation);

    /// <summary>
    /// Waits until the cluster is whole with <paramref name="member"/> listed, and returns that member as the same answer
    /// showed it. A second GET /cluster may be answered by the member that just rejoined, from a view that does not list
    /// it yet (patroni-partition failed so once in CI, 2026-12-07).
    /// </summary>
    private static async Task<(TimeSpan Whole, PatroniMember Member)> WaitWholeWithAsync(DrillContext context, string member, CancellationToken cancellation)
    {
        PatroniMember? seen = null;
        var whole = await context.WaitUntilAsync($"Patroni cluster whole with {member} back (every member running/streaming, one leader, a sync standby)",
            async ct =>
            {
                var members = await ClusterAsync(context, ct);
                seen = members.FirstOrDefault(m => m.Name == member);
                return Problem(context, members) ?? (seen is null ? $"{member} is not listed" : null);
            }, DrillSteps.WholeAgainWithin, cancellation);
        return (whole, seen!);
    }

    private static async Task PatroniLeaderAsync(DrillContext context, DrillRecorder recorder, bool crash, CancellationToken cancellation)
    {
        await PatroniSettingsAsync(context, recorder, cancellation);
        await WaitWholeAsync(context, TimeSpan.FromSeconds(90), cancellation); // a member may still be starting after an apply
        var members = await ClusterAsync(context, cancellation);
        var leader = context.HostNamed(members.Single(m => m.IsLeader).Name);
        context.Log($"leader: {leader.Name}");
        await RecordEtcdLeaderAsync(context, recorder, leader, crash ? "crash" : "stop", cancellation);

        var (writer, ledger, running, stop) = await PostgresWriteLoad.StartAsync(context, cancellation);
        var limit = crash ? CrashLimit : StopLimit;
        var fault = await DrillSteps.CrashOrStopAsync(context, leader, crash, "patroni", ledger, cancellation);
        await DrillSteps.MeasureOutageAsync(recorder, ledger, fault, "writes through the VIP", limit, limitFromFault: crash, TimeSpan.FromSeconds(10), cancellation);
        await DrillSteps.FinishWritesAsync(context, recorder, writer, ledger, running, stop, cancellation);

        var survivors = Members(context).Where(h => h != leader).ToList();
        var after = await ClusterAsync(context, cancellation, survivors);
        var newLeader = after.SingleOrDefault(m => m.IsLeader)?.Name;
        recorder.Note($"leader {leader.Name} -> {newLeader ?? "none"}");
        if (newLeader is null || newLeader == leader.Name) recorder.Fail($"no new leader after the fault (leader now: {newLeader ?? "none"})");

        // Recovery: the old leader must come back as a replica.
        if (crash)
        {
            context.Log($"booting {leader.Name} again");
            await context.StartLabHostAsync(leader.Name, cancellation);
        }
        else await context.RunCheckedAsync(leader, "systemctl start patroni", cancellation, TimeSpan.FromSeconds(60));
        var (whole, role) = await WaitWholeWithAsync(context, leader.Name, cancellation);
        recorder.Note($"{leader.Name} rejoined as {role.Role} ({role.State}) {whole.TotalSeconds:0} s after its restart");
        if (role.IsLeader) recorder.Note($"{leader.Name} is leader again (a switchover happened after it rejoined)");
        if (crash) await context.WaitHealthyAsync(DrillSteps.WholeAgainWithin, cancellation);
    }

    /// <summary>
    /// A fault on a host that also leads etcd's Raft adds an etcd election, and the new etcd leader renews every lease to
    /// its full TTL (etcd issue #9888), so Patroni's leader key outlives the fault by about a TTL more: say which case ran.
    /// </summary>
    private static async Task RecordEtcdLeaderAsync(DrillContext context, DrillRecorder recorder, Host leader, string fault, CancellationToken cancellation)
    {
        var etcdLeader = await EtcdDrills.RaftLeaderAsync(context, cancellation);
        recorder.Setting($"etcd Raft leader at the {fault}",
            etcdLeader is null ? "unknown" : etcdLeader == leader ? $"{etcdLeader.Name}, the Patroni leader's host" : $"{etcdLeader.Name}, another host");
    }

    /// <summary>
    /// The Patroni leader's host cut off the network at its bridge port (both directions, link up) under writes through
    /// the VIP. The majority must elect a new leader and write again within the crash limit; the isolated leader, which
    /// reaches neither etcd nor any member (failsafe_mode needs every member to answer), must stop being a primary within
    /// its TTL, read on its console; after the heal it must rejoin as a replica with no manual step.
    /// </summary>
    private static async Task PartitionAsync(DrillContext context, DrillRecorder recorder, CancellationToken cancellation)
    {
        await PatroniSettingsAsync(context, recorder, cancellation);
        await WaitWholeAsync(context, TimeSpan.FromSeconds(90), cancellation);
        var leader = context.HostNamed((await ClusterAsync(context, cancellation)).Single(m => m.IsLeader).Name);
        context.Log($"leader: {leader.Name}");
        await RecordEtcdLeaderAsync(context, recorder, leader, "partition", cancellation);
        var (ttl, _, _) = PatroniRenderer.Timing(context.Site);

        var (writer, ledger, running, stop) = await PostgresWriteLoad.StartAsync(context, cancellation);
        var fault = ledger.Now;
        try
        {
            await context.CutLabHostAsync(leader.Name, NetworkCut.Everything, cancellation);
            context.Log($"cut {leader.Name} off the network (every frame at its bridge port dropped)");
            try
            {
                // The isolated leader, watched on its console while the majority fails over.
                var demoted = PrimaryGoneAsync(context, leader, ledger, fault, TimeSpan.FromSeconds(ttl + 30), cancellation);
                await DrillSteps.MeasureOutageAsync(recorder, ledger, fault, "writes through the VIP", CrashLimit, limitFromFault: true, TimeSpan.FromSeconds(10), cancellation);
                var (after, isolatedRole) = await demoted;
                recorder.Measure($"the isolated leader {leader.Name} no longer a running primary (its console, GET /patroni: {isolatedRole})", after, TimeSpan.FromSeconds(ttl));
                var survivors = Members(context).Where(h => h != leader).ToList();
                var newLeader = (await ClusterAsync(context, cancellation, survivors)).SingleOrDefault(m => m.IsLeader)?.Name;
                recorder.Note($"leader {leader.Name} -> {newLeader ?? "none"} (majority side)");
                if (newLeader is null || newLeader == leader.Name) recorder.Fail($"no new leader on the majority side (leader now: {newLeader ?? "none"})");
            }
            finally
            {
                await context.HealLabNetworkAsync(CancellationToken.None);
                context.Log($"healed the partition of {leader.Name}");
            }
            // The writes go on through the heal and the rejoin and are counted after it: an old leader that took the leader
            // key back on its return (Patroni 3.0.2, PatroniLauncher) would rewind away what the new leader acknowledged.
            var (whole, role) = await WaitWholeWithAsync(context, leader.Name, cancellation);
            recorder.Note($"{leader.Name} rejoined as {role.Role} ({role.State}) {whole.TotalSeconds:0} s after the heal, with no manual step");
            await DrillSteps.FinishWritesAsync(context, recorder, writer, ledger, running, stop, cancellation);
        }
        finally
        {
            await DrillSteps.StopWritesAsync(stop, running);
        }
        await context.WaitHealthyAsync(DrillSteps.WholeAgainWithin, cancellation);
    }

    /// <summary>
    /// Polls the host's own Patroni REST API on its console until it no longer reports a running primary; the time from
    /// <paramref name="fault"/> and the role it reported, or (null, the last answer) when it stayed primary.
    /// </summary>
    private static async Task<(TimeSpan? After, string Role)> PrimaryGoneAsync(DrillContext context, Host host, WriteLedger ledger, TimeSpan fault, TimeSpan within, CancellationToken cancellation)
    {
        var url = $"http://{host.Endpoint(PatroniComponent.RestApi)}/patroni";
        var last = "no answer";
        while (ledger.Now - fault < within)
        {
            var asked = ledger.Now;
            var result = await context.RunOnLabConsoleAsync(host.Name, $"curl -s -m 2 {url}", cancellation, TimeSpan.FromSeconds(5));
            if (result.Succeeded && MemberStatus.Parse(result.Stdout) is { } status)
            {
                last = status.ToString();
                if (!status.RunningPrimary) return (asked - fault, last);
            }
            await Task.Delay(500, cancellation);
        }
        return (null, last);
    }

    /// <summary>
    /// Full power loss: every lab host's init KILLed at once, 5 s of darkness, then all booted together under writes through
    /// the VIP. Measured: from power back to the first acknowledged write, and to verify finding the whole site healthy.
    /// </summary>
    private static async Task PowerLossAsync(DrillContext context, DrillRecorder recorder, CancellationToken cancellation)
    {
        await WaitWholeAsync(context, TimeSpan.FromSeconds(90), cancellation);
        var hosts = context.Site.Hosts.Select(h => h.Name).ToList();
        var (writer, ledger, running, stop) = await PostgresWriteLoad.StartAsync(context, cancellation);
        var lastBefore = ledger.Attempts.Where(a => a.Acknowledged).Max(a => a.Ended);
        TimeSpan powerOn;
        try
        {
            foreach (var host in hosts) context.CrashLabHost(host);
            context.Log($"power lost on {string.Join(", ", hosts)} (KILL of every init)");
            await Task.Delay(TimeSpan.FromSeconds(5), cancellation);
            powerOn = ledger.Now;
            await context.StartLabHostsAsync(hosts, cancellation);
            context.Log($"power back: every host answers SSH after {(ledger.Now - powerOn).TotalSeconds:0.0} s");
            await context.WaitUntilAsync("a write acknowledged through the VIP after the power came back",
                _ => Task.FromResult(ledger.Attempts.Any(a => a.Acknowledged && a.Started >= powerOn) ? null : $"{ledger.Attempts.Count(a => a.Started >= powerOn)} attempt(s), none acknowledged"),
                PowerLossLimit + TimeSpan.FromSeconds(30), cancellation, TimeSpan.FromMilliseconds(200));
            recorder.Measure("from power back to the first acknowledged write through the VIP", ledger.RecoveryAfter(powerOn), PowerLossLimit);
            recorder.Note($"last acknowledged write {(powerOn - lastBefore).TotalSeconds:0.0} s before the power came back (5 s dark)");
            await DrillSteps.FinishWritesAsync(context, recorder, writer, ledger, running, stop, cancellation);
        }
        finally { await DrillSteps.StopWritesAsync(stop, running); }
        var whole = await WaitWholeAsync(context, DrillSteps.WholeAgainWithin, cancellation);
        var healthy = Stopwatch.StartNew();
        var lastProblems = "";
        await context.WaitUntilAsync("the site healthy (datalyptica verify)", async ct =>
        {
            var problems = await context.HealthProblemsAsync(ct);
            if (problems.Count > 0) lastProblems = $"+{(ledger.Now - powerOn).TotalSeconds:0} s: {string.Join("; ", problems.Take(3))}";
            return problems.Count == 0 ? null : string.Join("; ", problems.Take(5));
        }, DrillSteps.WholeAgainWithin, cancellation, TimeSpan.FromSeconds(5));
        if (lastProblems.Length > 0) recorder.Note($"the last checks verify found failing before it was healthy (from power back): {lastProblems}");
        recorder.Measure("from power back to the whole site healthy (datalyptica verify)", ledger.Now - powerOn, HealthyAfterPowerLossLimit);
        var members = await ClusterAsync(context, cancellation);
        recorder.Note($"after the power loss: leader {members.SingleOrDefault(m => m.IsLeader)?.Name ?? "none"}; " +
            string.Join(", ", members.Select(m => $"{m.Name} {m.Role} ({m.State})")) + $"; Patroni whole {whole.TotalSeconds:0} s after the first write, verify {healthy.Elapsed.TotalSeconds:0} s later");
    }

    /// <summary>A member's own view of itself (GET /patroni): role and state.</summary>
    public sealed record MemberStatus(string Role, string State)
    {
        /// <summary>Patroni 3.0 says "master", later releases "primary".</summary>
        public bool RunningPrimary => Role is "master" or "primary" && State == "running";

        public override string ToString() => $"role {Role}, state {State}";

        /// <summary>The body of GET /patroni, or null when it is not a JSON object.</summary>
        public static MemberStatus? Parse(string json)
        {
            try
            {
                using var doc = JsonDocument.Parse(json);
                if (doc.RootElement.ValueKind != JsonValueKind.Object) return null;
                string Field(string name) => doc.RootElement.TryGetProperty(name, out var v) ? v.ToString() : "?";
                return new MemberStatus(Field("role"), Field("state"));
            }
            catch (JsonException) { return null; }
        }
    }

    [GeneratedRegex(@"listen postgres_primary\n(?:.*\n)*?\s*default-server (?<line>[^\n]*)")]
    private static partial Regex PrimaryDefaultServer();

    /// <summary>The rendered and live Patroni timings and HAProxy's primary-check timings, and the worst case they allow for a leader crash.</summary>
    private static async Task PatroniSettingsAsync(DrillContext context, DrillRecorder recorder, CancellationToken cancellation)
    {
        var (ttl, loopWait, retry) = PatroniRenderer.Timing(context.Site);
        recorder.Setting("patroni ttl/loop_wait/retry_timeout (site)", $"{ttl}/{loopWait}/{retry} s");
        var member = Members(context)[0];
        var live = await context.RunAsync(member, $"curl -sf -m 3 http://{member.Address}:{member.Port(PatroniComponent.RestApi)}/config", cancellation);
        if (live.Succeeded)
        {
            using var doc = JsonDocument.Parse(live.Stdout);
            int Get(string key) => doc.RootElement.TryGetProperty(key, out var v) ? v.GetInt32() : -1;
            var (lt, ll, lr) = (Get("ttl"), Get("loop_wait"), Get("retry_timeout"));
            recorder.Setting("patroni ttl/loop_wait/retry_timeout (live, DCS)", $"{lt}/{ll}/{lr} s");
            if ((lt, ll, lr) != (ttl, loopWait, retry))
                recorder.Note($"the cluster's DCS holds {lt}/{ll}/{lr} s, the site renders {ttl}/{loopWait}/{retry} s. " +
                    $"Fix: datalyptica apply {context.Directory} (it pushes {PatroniRenderer.DcsPath} into the DCS)");
            (ttl, loopWait, retry) = (lt > 0 ? lt : ttl, ll > 0 ? ll : loopWait, lr > 0 ? lr : retry);
        }
        var haproxy = context.Site.HostsWith(HAProxyComponent.Node).First();
        var cfg = await context.RunAsync(haproxy, "cat /etc/haproxy/haproxy.cfg", cancellation);
        var match = PrimaryDefaultServer().Match(cfg.Stdout.Replace("\r", ""));
        if (!match.Success) { recorder.Note("HAProxy's postgres_primary default-server line not found; worst case not computed"); return; }
        var line = match.Groups["line"].Value.Trim();
        recorder.Setting("haproxy postgres_primary checks", line);
        double Seconds(string key, double fallback)
        {
            var m = Regex.Match(line, $@"\b{key} (\d+)(ms|s)?\b");
            if (!m.Success) return fallback;
            var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            return m.Groups[2].Value == "ms" ? n / 1000 : n;
        }
        var inter = Seconds("inter", 2);
        var fastinter = Seconds("fastinter", inter);
        var rise = (int)Seconds("rise", 2);
        // A server that was DOWN is checked every inter until its first success, then every fastinter until rise successes.
        var haproxyUp = inter + (rise - 1) * fastinter;
        // Worst case for a crash: the leader dies just after refreshing its key (ttl), a replica notices at its next
        // loop (loop_wait), asks the others' REST APIs (2 s timeout per Patroni's status fetch), promotes (~1 s), then HAProxy.
        var worst = ttl + loopWait + 2 + 1 + haproxyUp;
        recorder.Setting("worst case for a leader crash", $"ttl {ttl} + loop_wait {loopWait} + member check 2 + promote ~1 + HAProxy {inter:0.#}+{rise - 1}x{fastinter:0.#} = {worst:0.#} s; " +
            "when the crashed host also led etcd, add etcd's election and the new etcd leader renewing every lease to its full ttl (measured 35 s)");
        recorder.Setting("worst case for a clean leader stop", $"promote ~1 + HAProxy {haproxyUp:0.#} = {1 + haproxyUp:0.#} s (the stopping leader releases its key)");
    }
}

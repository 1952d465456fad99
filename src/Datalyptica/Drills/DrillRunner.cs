using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Datalyptica.Components.Etcd;
using Datalyptica.Components.HAProxy;
using Datalyptica.Components.Keepalived;
using Datalyptica.Components.Patroni;
using Datalyptica.Components.PostgreSQL;
using Datalyptica.Components.Redis;
using Datalyptica.Engine.Transport;
using Datalyptica.Model;
using Datalyptica.Secrets;

namespace Datalyptica.Drills;

/// <summary>
/// `datalyptica drill SITE NAME`: failover drills under a steady stream of writes from a client that only knows the VIP
/// (or, for Redis, only the Sentinels). Each drill checks the cluster is whole first, injects one fault, measures the
/// time to the first acknowledged write after it, counts acknowledged writes against what is present, and leaves the
/// cluster whole again (or fails saying what is not).
/// </summary>
public static partial class DrillRunner
{
    public static readonly IReadOnlyList<string> Names = ["patroni-stop", "patroni-crash", "vip-stop", "vip-crash", "redis-crash", "etcd-stop"];
    public const string All = "all";

    // The limits of issue 6.
    public static readonly TimeSpan PatroniStopLimit = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan PatroniCrashLimit = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan VipCrashLimit = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan VipStopLimit = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan RedisPromotionLimit = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan EtcdGapLimit = TimeSpan.FromSeconds(1);
    /// <summary>How long a recovered cluster may take to be whole again (a crashed host boots and rejoins).</summary>
    public static readonly TimeSpan WholeAgainWithin = TimeSpan.FromMinutes(4);

    /// <summary>Runs one drill (or "all", each after a health check) against the site in <paramref name="siteDirectory"/>.</summary>
    public static async Task<IReadOnlyList<DrillResult>> RunAsync(string siteDirectory, string drill, Action<string> log, CancellationToken cancellation, Secret? vaultPassword = null)
    {
        if (drill != All && !Names.Contains(drill))
            throw new DrillException($"no drill '{drill}'. Known: {string.Join(", ", Names)}, or {All}.");
        var context = DrillContext.Open(siteDirectory, log, vaultPassword);
        // A drill stopped half-way (Ctrl-C, a crash of this process) may have left a lab host down: boot it first.
        foreach (var host in await context.BootStoppedLabHostsAsync(cancellation))
            log($"lab host {host} was down (an earlier drill stopped half-way?): booted it again");
        var results = new List<DrillResult>();
        foreach (var name in drill == All ? Names : [drill])
        {
            if (drill == All)
            {
                log($"health check before {name} (verify)");
                await WaitHealthyAsync(context, TimeSpan.FromMinutes(3), cancellation);
            }
            results.Add(await RunOneAsync(context, name, cancellation));
        }
        return results;
    }

    public static async Task<DrillResult> RunOneAsync(DrillContext context, string name, CancellationToken cancellation)
    {
        var recorder = new DrillRecorder(name);
        context.Log($"drill {name}: start");
        try
        {
            await (name switch
            {
                "patroni-stop" => PatroniLeaderAsync(context, recorder, crash: false, cancellation),
                "patroni-crash" => PatroniLeaderAsync(context, recorder, crash: true, cancellation),
                "vip-stop" => VipAsync(context, recorder, crash: false, cancellation),
                "vip-crash" => VipAsync(context, recorder, crash: true, cancellation),
                "redis-crash" => RedisCrashAsync(context, recorder, cancellation),
                "etcd-stop" => EtcdStopAsync(context, recorder, cancellation),
                _ => throw new DrillException($"no drill '{name}'"),
            });
        }
        catch (Exception e) when (!cancellation.IsCancellationRequested)
        {
            recorder.Fail(context.Masker.Mask(e is DrillException ? e.Message : $"{e.GetType().Name}: {e.Message}"));
        }
        finally
        {
            // Whatever happened, a crashed host does not stay down.
            try
            {
                foreach (var host in await context.BootStoppedLabHostsAsync(CancellationToken.None))
                    recorder.Fail($"lab host {host} was still down after the drill: booted it again; check `datalyptica verify {context.Directory}`");
            }
            catch (Exception e) { recorder.Fail($"could not boot the crashed lab host again: {context.Masker.Mask(e.Message)}. Fix: datalyptica lab status, then lab up"); }
        }
        var result = recorder.Result();
        context.Log($"drill {name}: {(result.Passed ? "passed" : "FAILED")} in {result.WallTime.TotalSeconds:0} s");
        return result;
    }

    public static async Task WaitHealthyAsync(DrillContext context, TimeSpan within, CancellationToken cancellation) =>
        await context.WaitUntilAsync("the site healthy (datalyptica verify)", async ct =>
        {
            var problems = await context.HealthProblemsAsync(ct);
            return problems.Count == 0 ? null : string.Join("; ", problems.Take(5));
        }, within, cancellation, TimeSpan.FromSeconds(5));

    private static Vip FrontendVip(DrillContext context) =>
        context.Site.Vips.FirstOrDefault() ?? throw new DrillException($"the site {context.Directory} has no VIP: the drill client only knows a VIP. Fix: datalyptica_vips in group_vars/all.yml.");

    private static int PrimaryPort(DrillContext context) =>
        context.Site.HostsWith(HAProxyComponent.Node).Select(h => h.Port(HAProxyComponent.PostgresPrimary)).FirstOrDefault(HAProxyComponent.PostgresPrimary.Number);

    /// <summary>Starts the VIP writer, waits for steady acknowledgements, returns it running.</summary>
    private static async Task<(PostgresWriter Writer, WriteLedger Ledger, Task Running, CancellationTokenSource Stop)> StartPostgresWriterAsync(
        DrillContext context, CancellationToken cancellation)
    {
        var ledger = new WriteLedger();
        var writer = new PostgresWriter(FrontendVip(context).Address, PrimaryPort(context), context.Secret(PostgresLayout.SuperuserPasswordKey),
            $"{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid():N}"[..24], ledger);
        await writer.EnsureTableAsync(cancellation);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var running = Task.Run(() => writer.RunAsync(stop.Token), CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellation);
        if (ledger.AcknowledgedKeys.Count < 10)
        {
            await stop.CancelAsync();
            await running;
            throw new DrillException($"the writer got only {ledger.AcknowledgedKeys.Count} writes acknowledged through {FrontendVip(context).Address}:{PrimaryPort(context)} in 2 s before any fault; the cluster is not healthy. Fix: datalyptica verify {context.Directory}");
        }
        return (writer, ledger, running, stop);
    }

    /// <summary>
    /// Waits for the client-visible outage after the fault to end; records it (limit applies to it) and the time from the
    /// fault to the first write after it. No failed write at all within <paramref name="quiet"/> is an outage of 0.
    /// </summary>
    private static async Task MeasureOutageAsync(DrillRecorder recorder, WriteLedger ledger, TimeSpan fault, string what, TimeSpan limit,
        bool limitFromFault, TimeSpan quiet, CancellationToken cancellation)
    {
        var deadline = fault + limit + TimeSpan.FromSeconds(30);
        Outage? outage = null;
        while (ledger.Now < deadline)
        {
            outage = ledger.OutageAfter(fault);
            if (outage is { Recovered: not null }) break;
            if (outage is null && ledger.Now - fault > quiet) break;
            await Task.Delay(50, cancellation);
        }
        if (outage is null)
        {
            recorder.Measure($"{what}: no failed attempt after the fault", TimeSpan.Zero, limit);
            return;
        }
        var fromFault = outage.Recovered - fault;
        // How the client saw it: each failed attempt after the fault, relative to the fault, with how long it took and why.
        var failed = ledger.Attempts.Where(a => !a.Acknowledged && a.Started >= fault && (outage.Recovered is null || a.Started <= outage.Recovered)).ToList();
        recorder.Note($"{what}: {failed.Count} failed attempt(s): " + string.Join(", ", failed.Take(12).Select(a =>
            $"+{(a.Started - fault).TotalSeconds:0.00}s {a.Error ?? "refused"} ({(a.Ended - a.Started).TotalSeconds:0.00}s)")) + (failed.Count > 12 ? ", ..." : ""));
        recorder.Measure($"{what}: outage seen by the client (last success to first success)", outage.Duration, limitFromFault ? TimeSpan.MaxValue : limit);
        recorder.Measure($"{what}: from the fault to the first success after the outage", fromFault, limitFromFault ? limit : TimeSpan.MaxValue);
    }

    private static async Task FinishWritesAsync(DrillContext context, DrillRecorder recorder, PostgresWriter writer, WriteLedger ledger, Task running, CancellationTokenSource stop, CancellationToken cancellation)
    {
        await Task.Delay(TimeSpan.FromSeconds(2), cancellation); // a few writes on the new leader, too
        await stop.CancelAsync();
        await running;
        var present = await writer.PresentKeysAsync(cancellation);
        recorder.Writes = WriteAccount.From(ledger, present);
        context.Log($"writes: {recorder.Writes}");
        if (recorder.Writes.Lost > 0)
            recorder.Fail($"{recorder.Writes.Lost} acknowledged row(s) lost (first: {string.Join(", ", recorder.Writes.LostKeys.Take(5))})");
        else
            context.Log($"removed this drill's {await writer.DeleteRunAsync(cancellation)} row(s) from {PostgresWriter.Table}"); // kept when rows were lost, as evidence
    }

    // ---------------------------------------------------------------- Patroni

    private static async Task PatroniLeaderAsync(DrillContext context, DrillRecorder recorder, bool crash, CancellationToken cancellation)
    {
        await PatroniSettingsAsync(context, recorder, cancellation);
        await context.WaitPatroniWholeAsync(TimeSpan.FromSeconds(90), cancellation); // a member may still be starting after an apply
        var members = await context.PatroniClusterAsync(cancellation);
        var leader = context.HostNamed(members.Single(m => m.IsLeader).Name);
        context.Log($"leader: {leader.Name}");

        var (writer, ledger, running, stop) = await StartPostgresWriterAsync(context, cancellation);
        var limit = crash ? PatroniCrashLimit : PatroniStopLimit;
        var fault = await CrashOrStopAsync(context, leader, crash, "patroni", ledger, cancellation);
        await MeasureOutageAsync(recorder, ledger, fault, "writes through the VIP", limit, limitFromFault: crash, TimeSpan.FromSeconds(10), cancellation);
        await FinishWritesAsync(context, recorder, writer, ledger, running, stop, cancellation);

        var survivors = context.PatroniHosts.Where(h => h != leader).ToList();
        var after = await context.PatroniClusterAsync(cancellation, survivors);
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
        var whole = await context.WaitPatroniWholeAsync(WholeAgainWithin, cancellation);
        var rejoined = await context.PatroniClusterAsync(cancellation);
        var role = rejoined.Single(m => m.Name == leader.Name);
        recorder.Note($"{leader.Name} rejoined as {role.Role} ({role.State}) {whole.TotalSeconds:0} s after its restart");
        if (role.IsLeader) recorder.Note($"{leader.Name} is leader again (a switchover happened after it rejoined)");
        if (crash) await WaitHealthyAsync(context, WholeAgainWithin, cancellation);
    }

    /// <summary>The two faults the crash/stop drill pairs inject: the host's init killed, or the unit stopped cleanly.</summary>
    private static async Task<TimeSpan> CrashOrStopAsync(DrillContext context, Host host, bool crash, string unit, WriteLedger ledger, CancellationToken cancellation)
    {
        if (!crash)
        {
            var stopped = await FaultAsync(context, host, $"systemctl stop {unit}", ledger, cancellation);
            context.Log($"stopped {unit} on {host.Name}");
            return stopped;
        }
        var fault = ledger.Now;
        context.CrashLabHost(host.Name);
        context.Log($"crashed host {host.Name} (KILL of its init)");
        return fault;
    }

    /// <summary>Connects first, then marks the fault time and runs the command: the SSH handshake is not part of the measurement.</summary>
    private static async Task<TimeSpan> FaultAsync(DrillContext context, Host host, string command, WriteLedger ledger, CancellationToken cancellation)
    {
        var result = await context.RunTimedAsync(host, command, () => ledger.Now, cancellation);
        if (!result.Result.Succeeded)
            throw new DrillException($"`{command}` on {host.Name} exited {result.Result.ExitCode}: {context.Masker.Mask(result.Result.Stderr.Trim())}");
        return result.MarkedAt;
    }

    [GeneratedRegex(@"listen postgres_primary\n(?:.*\n)*?\s*default-server (?<line>[^\n]*)")]
    private static partial Regex PrimaryDefaultServer();

    /// <summary>The rendered and live Patroni timings and HAProxy's primary-check timings, and the worst case they allow for a leader crash.</summary>
    private static async Task PatroniSettingsAsync(DrillContext context, DrillRecorder recorder, CancellationToken cancellation)
    {
        var (ttl, loopWait, retry) = PatroniRenderer.Timing(context.Site);
        recorder.Setting("patroni ttl/loop_wait/retry_timeout (site)", $"{ttl}/{loopWait}/{retry} s");
        var member = context.PatroniHosts[0];
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

    // ---------------------------------------------------------------- Keepalived

    private static async Task VipAsync(DrillContext context, DrillRecorder recorder, bool crash, CancellationToken cancellation)
    {
        var vip = FrontendVip(context);
        var port = PrimaryPort(context);
        var candidates = context.Site.HostsWith(KeepalivedComponent.Node).ToList();
        var preferred = await PreferredHolderAsync(context, vip, candidates, cancellation);
        // Start from the steady state: the VIP on its highest-priority node (an earlier fault may still be failing back).
        await context.WaitUntilAsync($"{vip.Name} on its preferred node {preferred.Name} before the drill", async ct =>
        {
            var on = await context.AddressHolderAsync(vip.Address, candidates, ct);
            return on == preferred ? null : $"on {on?.Name ?? "nobody"}";
        }, TimeSpan.FromSeconds(120), cancellation, TimeSpan.FromSeconds(2));
        var holder = preferred;
        context.Log($"{vip.Name} ({vip.Address}) is on {holder.Name}");
        var rendered = await context.RunAsync(holder, "grep -E '^\\s*(advert_int|vrrp_version|preempt_delay)' /etc/keepalived/keepalived.conf | sort -u", cancellation);
        recorder.Setting("keepalived", string.Join(", ", rendered.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
        recorder.Setting("worst case", crash ? "3 x advert_int + skew ((256 - priority) / 256 x advert_int), then a gratuitous ARP"
            : "a stopping keepalived sends a priority-0 advert: the backup takes over after its skew time");

        // The prober: a TCP connect to VIP:port every 50 ms, 200 ms each.
        var ledger = new WriteLedger();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var probing = Task.Run(async () =>
        {
            long seq = 0;
            while (!stop.IsCancellationRequested)
            {
                var started = ledger.Now;
                bool ok;
                try { ok = await DrillContext.ConnectsAsync(vip.Address, port, TimeSpan.FromMilliseconds(200), stop.Token); }
                catch (OperationCanceledException) { break; }
                ledger.Record(new WriteAttempt(started, ledger.Now, ++seq, ok && !stop.IsCancellationRequested));
                var wait = TimeSpan.FromMilliseconds(50) - (ledger.Now - started);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }, CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellation);
        if (ledger.AcknowledgedKeys.Count == 0)
        {
            await stop.CancelAsync();
            await probing;
            throw new DrillException($"{vip.Address}:{port} did not accept a connection before the fault");
        }

        var fault = await CrashOrStopAsync(context, holder, crash, "keepalived", ledger, cancellation);
        var limit = crash ? VipCrashLimit : VipStopLimit;
        await MeasureOutageAsync(recorder, ledger, fault, $"connects to {vip.Address}:{port}", limit, limitFromFault: true, TimeSpan.FromSeconds(5), cancellation);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellation);
        await stop.CancelAsync();
        await probing;
        recorder.Setting("connect probes", $"{ledger.Attempts.Count} ({ledger.Failures} refused or timed out)");
        var now = await context.AddressHolderAsync(vip.Address, candidates.Where(h => h != holder), cancellation);
        recorder.Note($"{vip.Name}: {holder.Name} -> {now?.Name ?? "nobody"}");
        if (now is null) recorder.Fail($"no backup holds {vip.Address} after the fault");

        if (crash)
        {
            context.Log($"booting {holder.Name} again");
            await context.StartLabHostAsync(holder.Name, cancellation);
        }
        else await context.RunCheckedAsync(holder, "systemctl start keepalived", cancellation);
        // Whole again = the VIP back on its preferred node (failback after preempt_delay), so the next drill does not
        // see it move in the middle of its own measurement.
        var back = await context.WaitUntilAsync($"{vip.Name} back on its preferred node {holder.Name}", async ct =>
        {
            var on = await context.AddressHolderAsync(vip.Address, candidates, ct);
            return on == holder ? null : $"on {on?.Name ?? "nobody"}";
        }, WholeAgainWithin, cancellation, TimeSpan.FromSeconds(2));
        recorder.Note($"{vip.Name} failed back to {holder.Name} {back.TotalSeconds:0} s after it was started again");
        await WaitHealthyAsync(context, WholeAgainWithin, cancellation);
    }

    /// <summary>The VIP's highest-priority node, from each node's rendered keepalived.conf.</summary>
    private static async Task<Host> PreferredHolderAsync(DrillContext context, Vip vip, IReadOnlyList<Host> candidates, CancellationToken cancellation)
    {
        var priorities = new List<(Host Host, int Priority)>();
        foreach (var host in candidates)
        {
            var conf = await context.RunCheckedAsync(host, "cat /etc/keepalived/keepalived.conf", cancellation);
            var block = conf.Split("vrrp_instance ").FirstOrDefault(b => b.StartsWith(vip.Name + " ", StringComparison.Ordinal));
            if (block is not null && Regex.Match(block, @"(?m)^\s*priority (\d+)") is { Success: true } m)
                priorities.Add((host, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)));
        }
        return priorities.OrderByDescending(p => p.Priority).Select(p => p.Host).FirstOrDefault()
            ?? throw new DrillException($"no keepalived.conf of {string.Join(", ", candidates.Select(h => h.Name))} has vrrp_instance {vip.Name}. Fix: datalyptica apply {context.Directory}");
    }

    // ---------------------------------------------------------------- Redis

    private static async Task RedisCrashAsync(DrillContext context, DrillRecorder recorder, CancellationToken cancellation)
    {
        var sentinels = context.Site.HostsWith(RedisComponent.Sentinel).Select(h => new IPEndPoint(h.Address, h.Port(RedisComponent.SentinelPort))).ToList();
        var dataHosts = context.Site.HostsWith(RedisComponent.Data).ToList();
        var masterName = RedisRenderer.MasterName(context.Site);
        var ledger = new WriteLedger();
        var run = $"{DateTime.UtcNow:yyyyMMddHHmmss}";
        // The firewall admits Redis and Sentinel only from platform hosts: the client's connections go through an SSH
        // forward from a Sentinel host that is not the master's (a Redis client library would run on such a host).
        static Func<IPEndPoint, CancellationToken, Task<IPEndPoint>> Via(IHostTransport transport) => async (target, ct) =>
            transport is IPortForwarder forwarder ? await forwarder.ForwardAsync(target.Address.ToString(), target.Port, ct) : target;
        var sentinelHosts = context.Site.HostsWith(RedisComponent.Sentinel).ToList();
        IPEndPoint? firstMaster;
        await using (var look = await context.OpenAsync(sentinelHosts[0], cancellation))
            firstMaster = await new RedisWriter(sentinels, masterName, context.Secret(RedisComponent.PasswordKey), run, ledger, Via(look)).DiscoverAsync(cancellation);
        // Not through the host whose Redis is about to be killed: the client's path stays independent of the fault.
        var gatewayHost = sentinelHosts.FirstOrDefault(h => firstMaster is null || !h.Address.Equals(firstMaster.Address)) ?? sentinelHosts[0];
        await using var gateway = await context.OpenAsync(gatewayHost, cancellation);
        recorder.Setting("client path", $"SSH forwards through {gatewayHost.Name} (Redis and Sentinel ports admit platform hosts only)");
        var writer = new RedisWriter(sentinels, masterName, context.Secret(RedisComponent.PasswordKey), run, ledger, Via(gateway));
        var renderedSentinel = await context.RunAsync(dataHosts[0], "grep -h -E 'down-after|failover-timeout' /etc/redis/sentinel.conf; grep -h -E '^(appendonly|min-replicas)' /etc/redis/redis.conf; systemctl show -p Restart -p RestartUSec redis-server", cancellation);
        recorder.Setting("redis/sentinel", context.Masker.Mask(string.Join(", ", renderedSentinel.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))));
        recorder.Setting("worst case", "down-after-milliseconds + Sentinel's election (~1 s) + the client's next discovery (50 ms)");

        var master = await writer.DiscoverAsync(cancellation) ?? throw new DrillException($"no Sentinel names a master for {masterName}");
        var masterHost = dataHosts.FirstOrDefault(h => h.Address.Equals(master.Address)) ?? throw new DrillException($"the master {master} is not a Redis host of the site");
        await CheckRedisWholeAsync(writer, dataHosts, master, cancellation);
        context.Log($"master: {masterHost.Name}");

        // Keys written and replicated to every replica (WAIT) before the crash: these must survive everywhere.
        const int seeds = 100;
        var seedCommands = Enumerable.Range(1, seeds).Select(i => new[] { "SET", writer.Key(i), "seed", "EX", RedisWriter.KeySeconds })
            .Append(["WAIT", (dataHosts.Count - 1).ToString(CultureInfo.InvariantCulture), "2000"]).ToList();
        var seeded = await Verification.ProbeClients.RedisAsync(await writer.RouteAsync(master, cancellation), context.Secret(RedisComponent.PasswordKey), seedCommands, cancellation);
        if (seeded[^1].Integer != dataHosts.Count - 1) throw new DrillException($"only {seeded[^1].Integer} replica(s) acknowledged the seed keys (WAIT); expected {dataHosts.Count - 1}");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var running = Task.Run(() => writer.RunAsync(1000, stop.Token), CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellation);
        var fault = await FaultAsync(context, masterHost, "kill -KILL \"$(systemctl show -p MainPID --value redis-server)\"", ledger, cancellation);
        context.Log($"killed redis-server on {masterHost.Name}");
        TimeSpan? promoted = null;
        IPEndPoint? newMaster = null;
        while (ledger.Now - fault < RedisPromotionLimit + TimeSpan.FromSeconds(20))
        {
            var named = await writer.DiscoverAsync(cancellation);
            if (named is not null && !named.Equals(master)) { promoted = ledger.Now - fault; newMaster = named; break; }
            await Task.Delay(100, cancellation);
        }
        recorder.Measure("Sentinel names a new master", promoted, RedisPromotionLimit);
        await MeasureOutageAsync(recorder, ledger, fault, "writes (Sentinel discovery)", RedisPromotionLimit, limitFromFault: true, TimeSpan.FromSeconds(10), cancellation);
        if (newMaster is null) { await stop.CancelAsync(); await running; throw new DrillException("no replica was promoted"); }
        context.Log($"new master: {newMaster}");

        // The old master restarts (systemd) and must rejoin as a replica without wiping anyone.
        var restarted = await context.WaitUntilAsync($"the old master {masterHost.Name} back as a replica", async ct =>
        {
            var role = await writer.CommandAsync(master, ["ROLE"], ct);
            return role.Items is [{ Text: "slave" }, ..] ? null : $"ROLE {role}";
        }, TimeSpan.FromSeconds(90), cancellation, TimeSpan.FromMilliseconds(500));
        recorder.Note($"old master {masterHost.Name} rejoined as a replica {(ledger.Now - fault).TotalSeconds:0} s after the crash");
        await Task.Delay(TimeSpan.FromSeconds(2), cancellation);
        await stop.CancelAsync();
        await running;
        await context.WaitUntilAsync("every replica in sync", async ct => await RedisProblemAsync(writer, dataHosts, newMaster, ct), TimeSpan.FromSeconds(60), cancellation);

        var acknowledged = ledger.Attempts.Where(a => a.Acknowledged).ToList();
        var seedKeys = Enumerable.Range(1, seeds).Select(i => (long)i).ToList();
        // Redis replicates asynchronously: a write the old master acknowledged in its last moment may be lost (documented);
        // everything acknowledged after the fault (by the new master) must be everywhere.
        var afterFault = acknowledged.Where(a => a.Started >= fault).Select(a => a.Key).ToList();
        var beforeFault = acknowledged.Where(a => a.Started < fault).Select(a => a.Key).ToList();
        foreach (var host in dataHosts)
        {
            var endpoint = new IPEndPoint(host.Address, host.Port(RedisComponent.Server));
            var missingSeeds = await writer.MissingOnAsync(endpoint, seedKeys, cancellation);
            var missingAfter = await writer.MissingOnAsync(endpoint, afterFault, cancellation);
            var missingBefore = await writer.MissingOnAsync(endpoint, beforeFault, cancellation);
            var role = endpoint.Equals(newMaster) ? "new master" : "replica";
            recorder.Note($"{host.Name} ({role}): {seeds - missingSeeds.Count}/{seeds} seed keys, {afterFault.Count - missingAfter.Count}/{afterFault.Count} keys acknowledged after the crash, {beforeFault.Count - missingBefore.Count}/{beforeFault.Count} before it");
            if (missingSeeds.Count > 0) recorder.Fail($"{host.Name} ({role}) lost {missingSeeds.Count} of the {seeds} keys replicated before the crash: a restarted master wiped its replicas");
            if (missingAfter.Count > 0) recorder.Fail($"{host.Name} ({role}) misses {missingAfter.Count} key(s) acknowledged after the crash");
            if (missingBefore.Count > 0) recorder.Note($"{host.Name}: {missingBefore.Count} key(s) the old master acknowledged just before the crash did not reach the replicas (asynchronous replication)");
        }
        var present = acknowledged.Select(a => a.Key).Except(await writer.MissingOnAsync(newMaster, acknowledged.Select(a => a.Key).ToList(), cancellation)).ToList();
        recorder.Writes = WriteAccount.From(ledger, present);
        if (recorder.Writes.Lost > 0) recorder.Note($"{recorder.Writes.Lost} acknowledged key(s) lost in Redis's asynchronous replication window before the crash");
        // Redis loses the last acknowledged writes by design; the drill fails only on the seeds and post-crash writes above.
        recorder.Writes = recorder.Writes with { LostKeys = recorder.Writes.LostKeys.Where(k => afterFault.Contains(k)).ToList() };
        await WaitHealthyAsync(context, WholeAgainWithin, cancellation);
    }

    private static async Task CheckRedisWholeAsync(RedisWriter writer, IReadOnlyList<Host> dataHosts, IPEndPoint master, CancellationToken cancellation)
    {
        if (await RedisProblemAsync(writer, dataHosts, master, cancellation) is { } problem) throw new DrillException($"Redis is not whole before the drill: {problem}");
    }

    private static long Field(string info, string name) =>
        Regex.Match(info, $@"(?m)^{name}:(\d+)") is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : -1;

    private static async Task<string?> RedisProblemAsync(RedisWriter writer, IReadOnlyList<Host> dataHosts, IPEndPoint master, CancellationToken cancellation)
    {
        var info = await writer.CommandAsync(master, ["INFO", "replication"], cancellation);
        var text = info.Text ?? "";
        if (!text.Contains("role:master", StringComparison.Ordinal)) return $"{master} is not a master";
        var count = Math.Max(0, Field(text, "connected_slaves"));
        if (count != dataHosts.Count - 1) return $"{master} has {count} replica(s), expected {dataHosts.Count - 1}";
        var masterOffset = Field(text, "master_repl_offset");
        foreach (var host in dataHosts.Where(h => !h.Address.Equals(master.Address)))
        {
            var replica = (await writer.CommandAsync(new IPEndPoint(host.Address, host.Port(RedisComponent.Server)), ["INFO", "replication"], cancellation)).Text ?? "";
            // A replica that says "slave" may still be loading its first full sync: only a live link at the master's
            // offset (read after the master's, so no newer writes are expected) counts as in sync.
            if (!replica.Contains("role:slave", StringComparison.Ordinal)) return $"{host.Name} is not a replica";
            if (!replica.Contains($"master_host:{master.Address}", StringComparison.Ordinal)) return $"{host.Name} replicates from another master";
            if (!replica.Contains("master_link_status:up", StringComparison.Ordinal)) return $"{host.Name}: link to the master is down";
            if (!replica.Contains("master_sync_in_progress:0", StringComparison.Ordinal)) return $"{host.Name}: full sync in progress";
            if (Field(replica, "slave_repl_offset") < masterOffset) return $"{host.Name} at offset {Field(replica, "slave_repl_offset")}, master at {masterOffset}";
        }
        return null;
    }

    // ---------------------------------------------------------------- etcd

    private static async Task EtcdStopAsync(DrillContext context, DrillRecorder recorder, CancellationToken cancellation)
    {
        var members = context.Site.HostsWith(EtcdComponent.Member).ToList();
        await context.WaitPatroniWholeAsync(TimeSpan.FromSeconds(90), cancellation);
        var patroni = await context.PatroniClusterAsync(cancellation);
        var leader = patroni.Single(m => m.IsLeader).Name;
        // Stop a member that is neither etcd's Raft leader nor on Patroni's leader host (Patroni's leader talks to its
        // own host's member first), so the drill shows a follower loss; a leader loss is an election on top.
        var status = await EtcdctlAsync(context, members[0], members, "endpoint status -w json", cancellation);
        var raftLeader = "";
        var memberIds = new Dictionary<string, string>();
        using (var doc = JsonDocument.Parse(status))
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                var header = e.GetProperty("Status").GetProperty("header");
                memberIds[e.GetProperty("Endpoint").GetString()!] = header.GetProperty("member_id").GetRawText();
                raftLeader = e.GetProperty("Status").GetProperty("leader").GetRawText();
            }
        var victim = members.FirstOrDefault(h => h.Name != leader && memberIds.GetValueOrDefault(Endpoint(h)) != raftLeader)
            ?? members.First(h => h.Name != leader);
        var other = members.First(h => h != victim);
        context.Log($"stopping etcd on {victim.Name} (Patroni leader {leader}; writes checked through {other.Name})");
        var victimLeads = memberIds.GetValueOrDefault(Endpoint(victim)) == raftLeader;
        recorder.Setting("stopped member", $"{victim.Name} ({(victimLeads ? "the Raft leader: no follower was free" : "a Raft follower")}, not on Patroni's leader host {leader})");

        var (writer, ledger, running, stop) = await StartPostgresWriterAsync(context, cancellation);
        var fault = await FaultAsync(context, victim, "systemctl stop etcd", ledger, cancellation);
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
        recorder.Measure($"longest gap between acknowledged writes in the {watch.TotalSeconds:0} s after the stop", ledger.LongestGap(fault, gapEnd), EtcdGapLimit);
        await FinishWritesAsync(context, recorder, writer, ledger, running, stop, cancellation);
        var after = await context.PatroniClusterAsync(cancellation);
        var leaderAfter = after.SingleOrDefault(m => m.IsLeader)?.Name;
        if (leaderAfter != leader) recorder.Fail($"Patroni's leader changed from {leader} to {leaderAfter ?? "none"} with one etcd member stopped");
        else recorder.Note($"Patroni leader unchanged ({leader})");

        await context.RunCheckedAsync(victim, "systemctl start etcd", cancellation, TimeSpan.FromSeconds(60));
        await context.WaitUntilAsync($"etcd on {victim.Name} healthy again", async ct =>
        {
            var health = await context.RunAsync(other, EtcdctlCommand(members, "endpoint health"), ct);
            return health.Succeeded ? null : (health.Stderr + health.Stdout).Trim();
        }, TimeSpan.FromSeconds(60), cancellation, TimeSpan.FromSeconds(2));
        await WaitHealthyAsync(context, WholeAgainWithin, cancellation);
    }

    private static string Endpoint(Host h) => $"https://{h.Address}:{h.Port(EtcdComponent.Client)}";

    // The client certificate Patroni uses, issued from SITE/pki and installed by apply.
    private static string EtcdctlCommand(IEnumerable<Host> endpoints, string command) =>
        $"ETCDCTL_API=3 etcdctl --command-timeout=5s --endpoints={string.Join(",", endpoints.Select(Endpoint))} " +
        $"--cacert={PatroniRenderer.PkiDir}/etcd-ca.crt --cert={PatroniRenderer.PkiDir}/etcd-client.crt --key={PatroniRenderer.PkiDir}/etcd-client.key {command}";

    private static Task<string> EtcdctlAsync(DrillContext context, Host on, IEnumerable<Host> endpoints, string command, CancellationToken cancellation) =>
        context.RunCheckedAsync(on, EtcdctlCommand(endpoints, command), cancellation, TimeSpan.FromSeconds(15));
}

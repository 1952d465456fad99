using System.Globalization;
using System.Net;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Drilling;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Model;

namespace Datalyptica.Components.Redis;

/// <summary>
/// Redis's failover drill (redis-crash): the master's redis-server killed under writes from a client that only knows the
/// Sentinels; a replica must be promoted, the old master rejoin as a replica, and nothing replicated before the crash or
/// acknowledged after it be lost. "Every replica in sync" is <see cref="RedisReplication.InSyncProblem"/>.
/// </summary>
public static class RedisDrills
{
    // The limit of issue 6.
    public static readonly TimeSpan PromotionLimit = TimeSpan.FromSeconds(5);

    public static readonly IDrill Crash = new Drill("redis-crash", 50, PromotionLimit, [RedisSettings.DownAfterMs.Key], RedisCrashAsync) { Writes = true };

    /// <summary>
    /// A partition leaves 2 of 3 Sentinels: both must see the master down and vote for the same leader to authorize the
    /// failover (a crash leaves all three, and the two fastest decide), so it gets a second more than a crash
    /// (down-after-milliseconds 3 s + election; measured 4.75-5.03 s on the lab, docs/DRILLS.md).
    /// </summary>
    public static readonly TimeSpan PartitionPromotionLimit = TimeSpan.FromSeconds(6);

    public static readonly IDrill Partition = new Drill("redis-partition", 55, PartitionPromotionLimit,
        [RedisSettings.DownAfterMs.Key, RedisSettings.MinReplicasMaxLag.Key], RedisPartitionAsync) { Writes = true };

    public static readonly IReadOnlyList<IDrill> All = [Crash, Partition];

    // The firewall admits Redis and Sentinel only from platform hosts: a drill client's connections go through SSH
    // forwards from a platform host (a Redis client library would run on such a host).
    private static Func<IPEndPoint, CancellationToken, Task<IPEndPoint>> Via(IHostTransport transport) => async (target, ct) =>
        transport is IPortForwarder forwarder ? await forwarder.ForwardAsync(target.Address.ToString(), target.Port, ct) : target;

    private static async Task RedisCrashAsync(DrillContext context, DrillRecorder recorder, CancellationToken cancellation)
    {
        var sentinels = context.Site.HostsWith(RedisComponent.Sentinel).Select(h => new IPEndPoint(h.Address, h.Port(RedisComponent.SentinelPort))).ToList();
        var dataHosts = context.Site.HostsWith(RedisComponent.Data).ToList();
        var masterName = RedisRenderer.MasterName(context.Site);
        var ledger = new WriteLedger();
        var run = $"{DateTime.UtcNow:yyyyMMddHHmmss}";
        // The client's path: a Sentinel host that is not the master's.
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
        var seeded = await Contracts.Health.ProbeClients.RedisAsync(await writer.RouteAsync(master, cancellation), context.Secret(RedisComponent.PasswordKey), seedCommands, cancellation);
        if (seeded[^1].Integer != dataHosts.Count - 1) throw new DrillException($"only {seeded[^1].Integer} replica(s) acknowledged the seed keys (WAIT); expected {dataHosts.Count - 1}");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var running = Task.Run(() => writer.RunAsync(1000, stop.Token), CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellation);
        var fault = await DrillSteps.FaultAsync(context, masterHost, "kill -KILL \"$(systemctl show -p MainPID --value redis-server)\"", ledger, cancellation);
        context.Log($"killed redis-server on {masterHost.Name}");
        var (promoted, newMaster) = await PromotionAsync(writer, master, ledger, fault, PromotionLimit, cancellation);
        recorder.Measure("Sentinel names a new master", promoted, PromotionLimit);
        await DrillSteps.MeasureOutageAsync(recorder, ledger, fault, "writes (Sentinel discovery)", PromotionLimit, limitFromFault: true, TimeSpan.FromSeconds(10), cancellation);
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
        await context.WaitHealthyAsync(DrillSteps.WholeAgainWithin, cancellation);
    }

    /// <summary>
    /// Jepsen's Redis case: the master's host cut off from the other hosts (this machine still reaches it), with two
    /// clients on the master's side of the partition writing to it: one counts a write as acknowledged when SET answers
    /// OK, the other only when WAIT confirms a replica has it. The Sentinels on the majority side promote a replica; the
    /// isolated master acknowledges plain writes until min-replicas-max-lag makes it refuse them (NOREPLICAS); after the
    /// heal it becomes a replica of the new master and the writes only it had are gone. Measured: the promotion, the time
    /// until the isolated master refuses writes, and the plain writes lost (by design, bounded by that time); the WAIT
    /// client's acknowledged writes must all survive (the drill's write account).
    /// </summary>
    private static async Task RedisPartitionAsync(DrillContext context, DrillRecorder recorder, CancellationToken cancellation)
    {
        var dataHosts = context.Site.HostsWith(RedisComponent.Data).ToList();
        var sentinelHosts = context.Site.HostsWith(RedisComponent.Sentinel).ToList();
        IPEndPoint SentinelOf(Host h) => new(h.Address, h.Port(RedisComponent.SentinelPort));
        var masterName = RedisRenderer.MasterName(context.Site);
        var password = context.Secret(RedisComponent.PasswordKey);
        var run = $"{DateTime.UtcNow:yyyyMMddHHmmss}";
        IPEndPoint master;
        await using (var look = await context.OpenAsync(sentinelHosts[0], cancellation))
            master = await new RedisWriter(sentinelHosts.Select(SentinelOf).ToList(), masterName, password, run, new WriteLedger(), Via(look)).DiscoverAsync(cancellation)
                ?? throw new DrillException($"no Sentinel names a master for {masterName}");
        var masterHost = dataHosts.FirstOrDefault(h => h.Address.Equals(master.Address)) ?? throw new DrillException($"the master {master} is not a Redis host of the site");
        var majorityHosts = sentinelHosts.Where(h => h != masterHost).ToList();
        var maxLag = TimeSpan.FromSeconds(RedisSettings.MinReplicasMaxLag.ReadLong(context.Site, masterHost));
        recorder.Setting("redis/sentinel", $"down-after-milliseconds {RedisSettings.DownAfterMs.ReadLong(context.Site, masterHost)}, min-replicas-to-write 1, min-replicas-max-lag {maxLag.TotalSeconds:0} s");
        recorder.Setting("client paths", $"both writers through SSH forwards on {masterHost.Name} (the master's side); the Sentinels asked on {majorityHosts[0].Name} (the majority's)");

        // The writers sit on the master's side: through its host, only its own Sentinel answers once the cut is in place.
        await using var minority = await context.OpenAsync(masterHost, cancellation);
        await using var majority = await context.OpenAsync(majorityHosts[0], cancellation);
        var ledger = new WriteLedger();
        var confirmedLedger = new WriteLedger();
        var plain = new RedisWriter(sentinelHosts.Select(SentinelOf).ToList(), masterName, password, $"{run}-plain", ledger, Via(minority));
        var confirmed = new RedisWriter(sentinelHosts.Select(SentinelOf).ToList(), masterName, password, $"{run}-wait", confirmedLedger, Via(minority)) { ConfirmReplicas = 1 };
        var majoritySentinels = new RedisWriter(majorityHosts.Select(SentinelOf).ToList(), masterName, password, run, new WriteLedger(), Via(majority));
        await CheckRedisWholeAsync(majoritySentinels, dataHosts, master, cancellation);
        context.Log($"master: {masterHost.Name}");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var running = Task.WhenAll(Task.Run(() => plain.RunAsync(0, stop.Token), CancellationToken.None), Task.Run(() => confirmed.RunAsync(0, stop.Token), CancellationToken.None));
        IPEndPoint? newMaster = null;
        TimeSpan fault;
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(2), cancellation);
            fault = ledger.Now;
            var confirmedFault = confirmedLedger.Now;
            await context.CutLabHostAsync(masterHost.Name, NetworkCut.OtherHosts, cancellation);
            context.Log($"cut {masterHost.Name} off the other hosts (this machine still reaches it)");
            try
            {
                (var promoted, newMaster) = await PromotionAsync(majoritySentinels, master, ledger, fault, PartitionPromotionLimit, cancellation);
                recorder.Measure("the majority's Sentinels name a new master", promoted, PartitionPromotionLimit);
                // The isolated master refuses once no replica has acknowledged for min-replicas-max-lag (replicas ack every second).
                var refuseLimit = maxLag + TimeSpan.FromSeconds(2);
                await context.WaitUntilAsync($"the isolated master {masterHost.Name} refusing writes (NOREPLICAS)", _ =>
                    Task.FromResult(ledger.Attempts.Any(a => a.Started >= fault && a.Error?.Contains("NOREPLICAS", StringComparison.Ordinal) == true) ? null : "still acknowledging"),
                    refuseLimit + TimeSpan.FromSeconds(20), cancellation, TimeSpan.FromMilliseconds(100)).ContinueWith(_ => { }, TaskScheduler.Default);
                var refused = ledger.Attempts.Where(a => a.Started >= fault && a.Error?.Contains("NOREPLICAS", StringComparison.Ordinal) == true).Select(a => (TimeSpan?)(a.Started - fault)).FirstOrDefault();
                var lastAcknowledged = ledger.Attempts.Where(a => a.Acknowledged && a.Started >= fault).Select(a => (TimeSpan?)(a.Ended - fault)).LastOrDefault();
                recorder.Measure($"the isolated master refusing writes (NOREPLICAS) after the cut", refused, refuseLimit);
                recorder.Note($"the isolated master acknowledged plain writes until +{lastAcknowledged?.TotalSeconds ?? 0:0.00} s after the cut; " +
                    $"the WAIT client got {confirmedLedger.Attempts.Count(a => a.Acknowledged && a.Started >= confirmedFault)} confirmation(s) after it");
                await Task.Delay(TimeSpan.FromSeconds(2), cancellation);
            }
            finally
            {
                await context.HealLabNetworkAsync(CancellationToken.None);
                context.Log($"healed the partition of {masterHost.Name}");
            }
            if (newMaster is null) throw new DrillException("the majority's Sentinels promoted no replica");
            var demoted = await context.WaitUntilAsync($"the old master {masterHost.Name} a replica of {newMaster} after the heal", async ct =>
            {
                var role = await majoritySentinels.CommandAsync(master, ["ROLE"], ct);
                return role.Items is [{ Text: "slave" }, ..] ? null : $"ROLE {role}";
            }, TimeSpan.FromSeconds(90), cancellation, TimeSpan.FromMilliseconds(500));
            recorder.Note($"{masterHost.Name} became a replica {demoted.TotalSeconds:0.0} s after the heal");
            await Task.Delay(TimeSpan.FromSeconds(2), cancellation); // writes on the new master, too
        }
        finally { await DrillSteps.StopWritesAsync(stop, running); }
        var elected = newMaster!; // the try above throws when no replica was promoted
        await context.WaitUntilAsync("every replica in sync", async ct => await RedisProblemAsync(majoritySentinels, dataHosts, elected, ct), TimeSpan.FromSeconds(60), cancellation);

        // The plain client: what the isolated master acknowledged is gone, by design; the loss must sit inside the window
        // the master kept acknowledging (cut to refusal), never before the cut or after the new master took over.
        var plainAcknowledged = ledger.Attempts.Where(a => a.Acknowledged).ToList();
        var plainMissing = (await plain.MissingOnAsync(elected, plainAcknowledged.Select(a => a.Key).ToList(), cancellation)).ToHashSet();
        var lost = plainAcknowledged.Where(a => plainMissing.Contains(a.Key)).ToList();
        recorder.Setting("plain writes (SET OK) lost", $"{lost.Count} of {plainAcknowledged.Count} acknowledged" +
            (lost.Count > 0 ? $", acknowledged from +{(lost[0].Started - fault).TotalSeconds:0.00} s to +{(lost[^1].Ended - fault).TotalSeconds:0.00} s after the cut" : ""));
        var outside = lost.Where(a => a.Started < fault || a.Ended - fault > maxLag + TimeSpan.FromSeconds(2)).ToList();
        if (outside.Count > 0)
            recorder.Fail($"{outside.Count} plain write(s) lost outside the isolated master's window (cut to min-replicas-max-lag + 2 s): first key {outside[0].Key} at +{(outside[0].Started - fault).TotalSeconds:0.00} s");
        // The WAIT client: every write a replica confirmed is on the new master.
        var confirmedKeys = confirmedLedger.AcknowledgedKeys;
        var confirmedMissing = await confirmed.MissingOnAsync(elected, confirmedKeys, cancellation);
        recorder.Writes = WriteAccount.From(confirmedLedger, confirmedKeys.Except(confirmedMissing).ToList());
        recorder.Note($"WAIT 1 client: {recorder.Writes}");
        await context.WaitHealthyAsync(DrillSteps.WholeAgainWithin, cancellation);
    }

    /// <summary>Asks the Sentinels every 100 ms until they name another master than <paramref name="master"/>: when (from the fault) and which.</summary>
    private static async Task<(TimeSpan? After, IPEndPoint? NewMaster)> PromotionAsync(RedisWriter sentinels, IPEndPoint master, WriteLedger ledger, TimeSpan fault, TimeSpan limit, CancellationToken cancellation)
    {
        while (ledger.Now - fault < limit + TimeSpan.FromSeconds(20))
        {
            var named = await sentinels.DiscoverAsync(cancellation);
            if (named is not null && !named.Equals(master)) return (ledger.Now - fault, named);
            await Task.Delay(100, cancellation);
        }
        return (null, null);
    }

    private static async Task CheckRedisWholeAsync(RedisWriter writer, IReadOnlyList<Host> dataHosts, IPEndPoint master, CancellationToken cancellation)
    {
        if (await RedisProblemAsync(writer, dataHosts, master, cancellation) is { } problem) throw new DrillException($"Redis is not whole before the drill: {problem}");
    }

    private static async Task<string?> RedisProblemAsync(RedisWriter writer, IReadOnlyList<Host> dataHosts, IPEndPoint master, CancellationToken cancellation)
    {
        var masterInfo = await InfoAsync(writer, master, cancellation);
        var replicas = new List<(string Name, RedisReplication Info)>();
        // Each replica read after the master, so no newer writes than the master's offset are expected.
        foreach (var host in dataHosts.Where(h => !h.Address.Equals(master.Address)))
            replicas.Add((host.Name, await InfoAsync(writer, new IPEndPoint(host.Address, host.Port(RedisComponent.Server)), cancellation)));
        return RedisReplication.InSyncProblem(master.ToString(), master.Address.ToString(), masterInfo, replicas);
    }

    private static async Task<RedisReplication> InfoAsync(RedisWriter writer, IPEndPoint server, CancellationToken cancellation)
    {
        var reply = await writer.CommandAsync(server, ["INFO", "replication"], cancellation);
        return reply.IsError ? throw new DrillException($"INFO replication on {server} answered {reply}") : RedisReplication.Parse(reply.Text ?? "");
    }
}

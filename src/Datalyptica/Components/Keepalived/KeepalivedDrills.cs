using System.Globalization;
using System.Text.RegularExpressions;
using Datalyptica.Components.PostgreSQL;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Drilling;
using Datalyptica.Model;

namespace Datalyptica.Components.Keepalived;

/// <summary>
/// Keepalived's failover drills: the VIP holder's keepalived stopped (vip-stop) or its host crashed (vip-crash), measured
/// by a client connecting to VIP:port every 50 ms.
/// </summary>
public static class KeepalivedDrills
{
    // The limits of issue 6.
    public static readonly TimeSpan CrashLimit = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(1);

    public static readonly IDrill Stop = new Drill("vip-stop", 30, StopLimit, [KeepalivedSettings.AdvertInt.Key],
        (context, recorder, cancellation) => VipAsync(context, recorder, crash: false, cancellation));
    public static readonly IDrill Crash = new Drill("vip-crash", 40, CrashLimit, [KeepalivedSettings.AdvertInt.Key],
        (context, recorder, cancellation) => VipAsync(context, recorder, crash: true, cancellation));

    /// <summary>After VRRP flows again, the lower-priority master must yield within this (it yields on the first higher-priority advert).</summary>
    public static readonly TimeSpan SplitHealLimit = TimeSpan.FromSeconds(2);
    public static readonly IDrill Split = new Drill("vip-split", 45, SplitHealLimit, [KeepalivedSettings.AdvertInt.Key], SplitAsync);

    public static readonly IReadOnlyList<IDrill> All = [Stop, Crash, Split];

    private static async Task VipAsync(DrillContext context, DrillRecorder recorder, bool crash, CancellationToken cancellation)
    {
        var vip = DrillSteps.FrontendVip(context);
        var port = PostgresWriteLoad.PrimaryPort(context);
        var candidates = context.Site.HostsWith(KeepalivedComponent.Node).ToList();
        var preferred = await PreferredHolderAsync(context, vip, candidates, cancellation);
        await WaitOnPreferredAsync(context, vip, candidates, preferred, cancellation);
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

        var fault = await DrillSteps.CrashOrStopAsync(context, holder, crash, "keepalived", ledger, cancellation);
        var limit = crash ? CrashLimit : StopLimit;
        await DrillSteps.MeasureOutageAsync(recorder, ledger, fault, $"connects to {vip.Address}:{port}", limit, limitFromFault: true, TimeSpan.FromSeconds(5), cancellation);
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
        }, DrillSteps.WholeAgainWithin, cancellation, TimeSpan.FromSeconds(2));
        recorder.Note($"{vip.Name} failed back to {holder.Name} {back.TotalSeconds:0} s after it was started again");
        await context.WaitHealthyAsync(DrillSteps.WholeAgainWithin, cancellation);
    }

    /// <summary>
    /// Keepalived split: VRRP (IP protocol 112) dropped between the VIP holder and its peers, everything else flowing. The
    /// backups stop hearing adverts and one takes the VIP too: two holders (measured: from the cut to the second holder).
    /// Then VRRP flows again: measured from the heal to exactly one holder, which must be the preferred node (the
    /// higher-priority advert wins), and VIP:port must accept connections.
    /// </summary>
    private static async Task SplitAsync(DrillContext context, DrillRecorder recorder, CancellationToken cancellation)
    {
        var vip = DrillSteps.FrontendVip(context);
        var port = PostgresWriteLoad.PrimaryPort(context);
        var candidates = context.Site.HostsWith(KeepalivedComponent.Node).ToList();
        var preferred = await PreferredHolderAsync(context, vip, candidates, cancellation);
        await WaitOnPreferredAsync(context, vip, candidates, preferred, cancellation);
        await context.CutLabHostAsync(preferred.Name, NetworkCut.Vrrp, cancellation);
        context.Log($"VRRP dropped between {preferred.Name} and its peers");
        try
        {
            var split = await context.WaitUntilAsync($"{vip.Name} held by a second node while VRRP is cut", async ct =>
            {
                var on = await context.AddressHoldersAsync(vip.Address, candidates, ct);
                return on.Count >= 2 ? null : $"on {Names(on)}";
            }, TimeSpan.FromSeconds(15), cancellation, TimeSpan.FromMilliseconds(200));
            recorder.Measure("from the VRRP cut to a second holder (the split)", split, TimeSpan.MaxValue);
            recorder.Note($"while VRRP was cut: {vip.Address} on {Names(await context.AddressHoldersAsync(vip.Address, candidates, cancellation))}");
            await Task.Delay(TimeSpan.FromSeconds(3), cancellation);
        }
        finally { await context.HealLabNetworkAsync(CancellationToken.None); }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var healed = await context.WaitUntilAsync($"{vip.Name} on exactly one node after the heal", async ct =>
        {
            var on = await context.AddressHoldersAsync(vip.Address, candidates, ct);
            return on.Count == 1 ? null : $"on {Names(on)}";
        }, TimeSpan.FromSeconds(30), cancellation, TimeSpan.FromMilliseconds(100));
        recorder.Measure("from the heal to exactly one holder", healed, SplitHealLimit);
        var holder = await context.AddressHolderAsync(vip.Address, candidates, cancellation);
        recorder.Note($"after the heal: {vip.Address} on {holder?.Name ?? "nobody"}");
        if (holder != preferred) recorder.Fail($"after the heal {vip.Address} is on {holder?.Name ?? "nobody"}, not on its preferred node {preferred.Name}");
        // While both held the VIP either one answered; once one is left, a client whose ARP entry still names the node that
        // yielded (its gratuitous ARP came last) reaches nobody until that entry goes stale. So: connect through the VIP
        // now, timed from the heal.
        TimeSpan? connected = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(30) && connected is null)
        {
            if (await DrillContext.ConnectsAsync(vip.Address, port, TimeSpan.FromMilliseconds(200), cancellation)) connected = clock.Elapsed;
            else await Task.Delay(50, cancellation);
        }
        recorder.Measure($"from the heal to {vip.Address}:{port} accepting a connection again with one holder", connected, SplitHealLimit);
        await context.WaitHealthyAsync(DrillSteps.WholeAgainWithin, cancellation);
    }

    /// <summary>Start from the steady state: the VIP on its highest-priority node alone (an earlier fault may still be failing back).</summary>
    private static Task WaitOnPreferredAsync(DrillContext context, Vip vip, IReadOnlyList<Host> candidates, Host preferred, CancellationToken cancellation) =>
        context.WaitUntilAsync($"{vip.Name} on its preferred node {preferred.Name} before the drill", async ct =>
        {
            var on = await context.AddressHoldersAsync(vip.Address, candidates, ct);
            return on.Count == 1 && on[0] == preferred ? null : $"on {Names(on)}";
        }, TimeSpan.FromSeconds(120), cancellation, TimeSpan.FromSeconds(2));

    private static string Names(IReadOnlyList<Host> hosts) => hosts.Count == 0 ? "nobody" : string.Join(" and ", hosts.Select(h => h.Name));

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
}

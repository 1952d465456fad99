using Datalyptica.Model;

namespace Datalyptica.Contracts.Drilling;

/// <summary>
/// The shared steps every drill is built from: the write load through the VIP, the fault (a unit stopped or a lab host
/// crashed, timed from the moment the command starts), the outage measurement and the write account with its cleanup.
/// </summary>
public static class DrillSteps
{
    /// <summary>How long a recovered cluster may take to be whole again (a crashed host boots and rejoins).</summary>
    public static readonly TimeSpan WholeAgainWithin = TimeSpan.FromMinutes(4);

    public static Vip FrontendVip(DrillContext context) =>
        context.Site.Vips.FirstOrDefault() ?? throw new DrillException($"the site {context.Directory} has no VIP: the drill client only knows a VIP. Fix: datalyptica_vips in group_vars/all.yml.");

    /// <summary>
    /// Waits for the client-visible outage after the fault to end; records it (limit applies to it) and the time from the
    /// fault to the first write after it. No failed write at all within <paramref name="quiet"/> is an outage of 0.
    /// </summary>
    public static async Task MeasureOutageAsync(DrillRecorder recorder, WriteLedger ledger, TimeSpan fault, string what, TimeSpan limit,
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

    public static async Task FinishWritesAsync(DrillContext context, DrillRecorder recorder, PostgresWriter writer, WriteLedger ledger, Task running, CancellationTokenSource stop, CancellationToken cancellation)
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

    /// <summary>The two faults the crash/stop drill pairs inject: the host's init killed, or the unit stopped cleanly.</summary>
    public static async Task<TimeSpan> CrashOrStopAsync(DrillContext context, Host host, bool crash, string unit, WriteLedger ledger, CancellationToken cancellation)
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
    public static async Task<TimeSpan> FaultAsync(DrillContext context, Host host, string command, WriteLedger ledger, CancellationToken cancellation)
    {
        var result = await context.RunTimedAsync(host, command, () => ledger.Now, cancellation);
        if (!result.Result.Succeeded)
            throw new DrillException($"`{command}` on {host.Name} exited {result.Result.ExitCode}: {context.Masker.Mask(result.Result.Stderr.Trim())}");
        return result.MarkedAt;
    }
}

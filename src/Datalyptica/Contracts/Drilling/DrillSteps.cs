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
    /// Watches the writes for <paramref name="quiet"/> after the fault, then until the next acknowledgement, and records the
    /// outage from acknowledged writes (<see cref="WriteLedger.Window(IEnumerable{WriteAttempt}, TimeSpan, TimeSpan)"/>):
    /// the longest gap between acknowledgements from the last one at or before the fault, and the time from the fault to
    /// the end of the interruption it caused. A stall with no error is an outage as long as the stall. Stop drills limit the
    /// outage; crash drills (<paramref name="limitFromFault"/>) limit the time from the fault, because a crash gives no
    /// warning and the fault is the moment the client's trouble starts. No acknowledgement at or after the watch by the
    /// deadline is a failure of the drill, with both times recorded as "never".
    /// </summary>
    public static async Task MeasureOutageAsync(DrillRecorder recorder, WriteLedger ledger, TimeSpan fault, string what, TimeSpan limit,
        bool limitFromFault, TimeSpan quiet, CancellationToken cancellation)
    {
        var until = fault + quiet;
        var deadline = Max(fault + limit, until) + TimeSpan.FromSeconds(30);
        OutageWindow? window;
        while ((window = ledger.Window(fault, until)) is null && ledger.Now < deadline)
            await Task.Delay(50, cancellation);
        var outageName = $"{what}: outage seen by the client (longest gap between acknowledged writes)";
        var fromFaultName = $"{what}: from the fault to the first acknowledged write after the interruption";
        var (outageLimit, fromFaultLimit) = limitFromFault ? (TimeSpan.MaxValue, limit) : (limit, TimeSpan.MaxValue);
        if (window is null)
        {
            var lastAck = ledger.Attempts.Where(a => a.Acknowledged).Select(a => (TimeSpan?)a.Ended).Max();
            recorder.Fail($"{what}: no write acknowledged in the {(deadline - fault).TotalSeconds:0} s after the fault ended the outage " +
                $"(last acknowledgement {(lastAck is { } t ? $"{(t - fault).TotalSeconds:+0.00;-0.00} s from the fault" : "never")}; {ledger.Attempts.Count(a => !a.Acknowledged && a.Started >= fault)} failed attempt(s) after it)");
            recorder.Measure(outageName, null, outageLimit);
            recorder.Measure(fromFaultName, null, fromFaultLimit);
            return;
        }
        // How the client saw it: each failed attempt in the window, relative to the fault, with how long it took and why.
        // None with a long gap is a stall: the writes hung instead of failing.
        var failed = window.Failed;
        recorder.Note($"{what}: longest gap +{(window.Longest.From - fault).TotalSeconds:0.00}s to +{(window.Longest.To - fault).TotalSeconds:0.00}s; " +
            (failed.Count == 0 ? "no failed attempt (writes stalled or were not interrupted)"
                : $"{failed.Count} failed attempt(s) from +{(failed[0].Started - fault).TotalSeconds:0.00}s to +{(failed[^1].Ended - fault).TotalSeconds:0.00}s: " +
                  string.Join(", ", failed.Take(12).Select(a => $"+{(a.Started - fault).TotalSeconds:0.00}s {a.Error ?? "refused"} ({(a.Ended - a.Started).TotalSeconds:0.00}s)")) +
                  (failed.Count > 12 ? ", ..." : "")));
        recorder.Measure(outageName, window.Outage, outageLimit);
        recorder.Measure(fromFaultName, window.FromFault, fromFaultLimit);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

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

    /// <summary>
    /// Stops a drill's write load if it still runs: a drill that throws half-way must not leave its writer writing through
    /// the next drill (in a finally; after <see cref="FinishWritesAsync"/> it does nothing).
    /// </summary>
    public static async Task StopWritesAsync(CancellationTokenSource stop, Task running)
    {
        if (!stop.IsCancellationRequested) await stop.CancelAsync();
        await running;
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

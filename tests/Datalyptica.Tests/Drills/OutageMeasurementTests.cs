using Datalyptica.Contracts.Drilling;

namespace Datalyptica.Tests.Drills;

/// <summary>
/// <see cref="DrillSteps.MeasureOutageAsync"/> on a real <see cref="WriteLedger"/> driven by a fake clock: the outage is
/// read from acknowledged writes, so a stall with no error is an outage, and no acknowledgement after the fault is a failure.
/// </summary>
public sealed class OutageMeasurementTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Fault = TimeSpan.FromSeconds(2);

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    /// <summary>A writer's history on a fake clock: runs of writes every 50 ms (5 ms each), stalls, and refused attempts.</summary>
    private sealed class History
    {
        public TimeSpan Clock;
        public readonly WriteLedger Ledger;
        private long _key;

        public History() => Ledger = new WriteLedger(() => Clock);

        public History Writes(double from, double to)
        {
            for (var t = S(from); t < S(to); t += Interval) Ledger.Record(new WriteAttempt(t, t + TimeSpan.FromMilliseconds(5), ++_key, true));
            return this;
        }

        public History Stalled(double from, double to)
        {
            Ledger.Record(new WriteAttempt(S(from), S(to), ++_key, true)); // hangs, then is acknowledged: no error anywhere
            return this;
        }

        public History Failing(double from, double to)
        {
            for (var t = S(from); t < S(to); t += TimeSpan.FromMilliseconds(500)) Ledger.Record(new WriteAttempt(t, t + TimeSpan.FromMilliseconds(400), ++_key, false, "57P01"));
            return this;
        }

        public async Task<DrillResult> MeasureAsync(double now, bool limitFromFault, double limit = 5)
        {
            Clock = S(now);
            var recorder = new DrillRecorder("test");
            await DrillSteps.MeasureOutageAsync(recorder, Ledger, Fault, "writes", S(limit), limitFromFault, Quiet, CancellationToken.None);
            return recorder.Result();
        }
    }

    private static TimeSpan Value(DrillResult result, string contains) => result.Measurements.Single(m => m.Name.Contains(contains)).Value.ShouldNotBeNull();

    [Fact]
    public async Task A_clean_failover_with_errors_is_the_gap_between_acknowledgements_and_lists_the_failures()
    {
        // Acknowledged until 0.2 s after the stop, refused for 2.8 s, then the new leader answers.
        var result = await new History().Writes(0, 2.2).Failing(2.2, 5.0).Writes(5.0, 14).MeasureAsync(now: 14, limitFromFault: false);
        Value(result, "outage").TotalSeconds.ShouldBe(2.85, 0.001); // 2.155 (last ack) -> 5.005 (first ack after)
        Value(result, "from the fault").TotalSeconds.ShouldBe(3.005, 0.001);
        result.Failures.ShouldBeEmpty();
        result.Measurements.ShouldAllBe(m => m.Passed);
        result.Notes.ShouldHaveSingleItem().ShouldContain("6 failed attempt(s) from +0.20s");
    }

    [Fact]
    public async Task A_stall_with_no_error_is_an_outage_as_long_as_the_stall()
    {
        // The write in flight at the fault hangs 7 s and is then acknowledged; nothing fails.
        var history = new History().Writes(0, 2.0).Stalled(2.0, 9.0).Writes(9.0, 14);
        history.Ledger.Failures.ShouldBe(0);
        var stop = await history.MeasureAsync(now: 14, limitFromFault: false);
        Value(stop, "outage").TotalSeconds.ShouldBe(7.045, 0.001); // last ack 1.955 -> 9.0
        stop.Measurements.Single(m => m.Name.Contains("outage")).Passed.ShouldBeFalse("a 7 s stall is over a 5 s limit");
        stop.Notes.ShouldHaveSingleItem().ShouldContain("no failed attempt");

        // A stall that starts after a few more acknowledgements still counts, also for a crash drill's limit from the fault.
        var later = await new History().Writes(0, 2.3).Stalled(2.3, 8.3).Writes(8.3, 14).MeasureAsync(now: 14, limitFromFault: true);
        Value(later, "outage").TotalSeconds.ShouldBe(6.045, 0.001);
        Value(later, "from the fault").TotalSeconds.ShouldBe(6.3, 0.001);
        later.Measurements.Single(m => m.Name.Contains("from the fault")).Passed.ShouldBeFalse();
    }

    [Fact]
    public async Task No_acknowledged_write_after_the_fault_is_a_failure_not_an_outage_of_0()
    {
        // Errors until the deadline (fault + max(limit, quiet) + 30 s) with no acknowledgement: not recovered.
        var failing = await new History().Writes(0, 2.0).Failing(2.0, 42.5).MeasureAsync(now: 43, limitFromFault: true);
        failing.Failures.ShouldHaveSingleItem().ShouldContain("no write acknowledged");
        failing.Measurements.Count.ShouldBe(2);
        failing.Measurements.ShouldAllBe(m => m.Value == null && !m.Passed);

        // A pure stall until the deadline: no error at all, still a failure.
        var hung = await new History().Writes(0, 2.0).MeasureAsync(now: 43, limitFromFault: false);
        hung.Failures.ShouldHaveSingleItem().ShouldContain("0 failed attempt(s)");
        hung.Measurements.ShouldAllBe(m => m.Value == null);

        // Acknowledged again for a moment after the fault, then nothing until the deadline: not recovered either.
        var relapse = await new History().Writes(0, 4.0).Failing(4.0, 42.5).MeasureAsync(now: 43, limitFromFault: false);
        relapse.Failures.ShouldHaveSingleItem().ShouldContain("last acknowledgement +1.");
    }

    [Fact]
    public async Task Writes_never_interrupted_are_an_outage_of_about_one_write_interval()
    {
        var result = await new History().Writes(0, 14).MeasureAsync(now: 14, limitFromFault: true, limit: 1);
        Value(result, "outage").ShouldBe(Interval);
        Value(result, "from the fault").ShouldBeLessThanOrEqualTo(Interval);
        result.Failures.ShouldBeEmpty();
        result.Measurements.ShouldAllBe(m => m.Passed);
    }

    [Fact]
    public async Task A_crash_limit_counts_from_the_fault_to_the_end_of_the_interruption_it_caused_not_a_later_blip()
    {
        // A 1.5 s failover at the fault, then a 0.5 s hiccup 5 s later: the limit from the fault is met (1.5 s), the
        // outage is the longest gap the client saw.
        var result = await new History().Writes(0, 2.0).Failing(2.0, 3.5).Writes(3.5, 7.0).Stalled(7.0, 9.2).Writes(9.2, 14)
            .MeasureAsync(now: 14, limitFromFault: true, limit: 2);
        Value(result, "from the fault").TotalSeconds.ShouldBe(1.505, 0.001);
        Value(result, "outage").TotalSeconds.ShouldBe(2.245, 0.001); // 6.955 -> 9.2: the stall is longer than the failover
        result.Measurements.ShouldAllBe(m => m.Passed);
    }
}

using Datalyptica.Contracts.Drilling;
using Datalyptica.Drills;

namespace Datalyptica.Tests.Drills;

/// <summary>`drill --repeat N`'s spread: nearest-rank percentiles over the runs that measured, and every run over its limit counted.</summary>
public sealed class DrillStatisticsTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    private static DrillResult Run(string drill, double? fromFault, double outage) => new(drill,
        [new DrillMeasurement("from the fault", fromFault is { } f ? S(f) : null, S(30)), new DrillMeasurement("outage", S(outage), TimeSpan.MaxValue)],
        new Dictionary<string, string>(), null, [], [], S(60));

    [Fact]
    public void Ten_runs_give_min_median_p95_max_by_nearest_rank_and_count_the_runs_over_the_limit()
    {
        // The five crash times and five more; two over 30 s.
        double[] times = [22.4, 37.5, 21.3, 33.2, 24.1, 20.6, 23.9, 21.9, 23.0, 23.2];
        var spread = DrillStatistics.Spread(times.Select(t => Run("patroni-crash", t, t - 1))).ToList();
        var fromFault = spread.Single(s => s.Measurement == "from the fault");
        fromFault.Runs.ShouldBe(10);
        fromFault.Measured.ShouldBe(10);
        fromFault.Min.ShouldBe(S(20.6));
        fromFault.Median.ShouldBe(S(23.0)); // rank ceil(0.5 x 10) = 5th of 20.6, 21.3, 21.9, 22.4, 23.0, ...
        fromFault.P95.ShouldBe(S(37.5)); // rank ceil(0.95 x 10) = 10th: with ten runs the p95 is the worst run, not an interpolation
        fromFault.Max.ShouldBe(S(37.5));
        fromFault.OverLimit.ShouldBe(2);
        fromFault.Limit.ShouldBe(S(30));
        var outage = spread.Single(s => s.Measurement == "outage");
        outage.Limit.ShouldBeNull(); // informational: no limit, never counted over it
        outage.OverLimit.ShouldBe(0);
        outage.Max.ShouldBe(S(36.5));
    }

    [Fact]
    public void A_run_that_never_measured_counts_over_the_limit_but_not_in_the_spread_and_drills_stay_apart()
    {
        var spread = DrillStatistics.Spread([Run("patroni-crash", 25, 1), Run("patroni-crash", null, 1), Run("vip-crash", 1.5, 1)]);
        var crash = spread.Single(s => s.Drill == "patroni-crash" && s.Measurement == "from the fault");
        crash.Runs.ShouldBe(2);
        crash.Measured.ShouldBe(1);
        crash.Min.ShouldBe(S(25));
        crash.Max.ShouldBe(S(25));
        crash.OverLimit.ShouldBe(1);
        crash.ToString().ShouldContain("over 1 of 2 run(s)");
        spread.Single(s => s.Drill == "vip-crash" && s.Measurement == "from the fault").Max.ShouldBe(S(1.5));
        DrillStatistics.Rank([], 50).ShouldBeNull();
        DrillStatistics.Rank([S(3)], 0).ShouldBe(S(3));
    }
}

using Datalyptica.Contracts.Drilling;

namespace Datalyptica.Drills;

/// <summary>One measurement of one drill over repeated runs (`drill SITE NAME --repeat N`).</summary>
public sealed record DrillSpread(string Drill, string Measurement, TimeSpan? Limit, int Runs, int Measured, TimeSpan? Min, TimeSpan? Median, TimeSpan? P95, TimeSpan? Max, int OverLimit)
{
    public override string ToString() =>
        $"{Drill}: {Measurement}: " + (Measured == 0 ? "never measured" :
            $"min {S(Min)}, median {S(Median)}, p95 {S(P95)}, max {S(Max)} over {Measured} of {Runs} run(s)") +
        (Limit is { } l ? $"; limit {l.TotalSeconds:0.##} s, {OverLimit} over or unmeasured" : "");

    private static string S(TimeSpan? t) => t is { } v ? $"{v.TotalSeconds:0.00} s" : "-";
}

/// <summary>
/// Min, median, p95 and max of every measurement of repeated drill runs. Percentiles by the nearest-rank method (the
/// p95 of 10 runs is the 10th value: with few runs it is the maximum, never an interpolation between two runs).
/// A run that did not measure a value counts in <see cref="DrillSpread.OverLimit"/>, not in the spread.
/// </summary>
public static class DrillStatistics
{
    public static IReadOnlyList<DrillSpread> Spread(IEnumerable<DrillResult> results) =>
        results.GroupBy(r => r.Drill)
            .SelectMany(drill =>
            {
                var runs = drill.Count();
                return drill.SelectMany(r => r.Measurements).GroupBy(m => m.Name).Select(m =>
                {
                    var values = m.Where(x => x.Value is not null).Select(x => x.Value!.Value).Order().ToList();
                    var limit = m.First().Informational ? (TimeSpan?)null : m.First().Limit;
                    return new DrillSpread(drill.Key, m.Key, limit, runs, values.Count,
                        Rank(values, 0), Rank(values, 50), Rank(values, 95), Rank(values, 100),
                        limit is null ? 0 : m.Count(x => !x.Passed));
                });
            }).ToList();

    /// <summary>The nearest-rank percentile (p 0 is the minimum); null for no values.</summary>
    public static TimeSpan? Rank(IReadOnlyList<TimeSpan> sorted, int percentile)
    {
        if (sorted.Count == 0) return null;
        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }
}

using System.Diagnostics;

/// <summary>One warm-up run (JIT, file cache), then <c>runs</c> timed runs: sorted times and the largest allocation.</summary>
internal static class Timing
{
    public sealed record Sample(IReadOnlyList<double> SortedMs, double AllocatedMb, double PeakWorkingSetMb)
    {
        public double MedianMs => SortedMs[SortedMs.Count / 2];
    }

    public static Sample Measure(int runs, Action action)
    {
        action();
        var times = new List<double>();
        long allocated = 0;
        for (var i = 0; i < runs; i++)
        {
            var before = GC.GetTotalAllocatedBytes(true);
            var sw = Stopwatch.StartNew();
            action();
            times.Add(sw.Elapsed.TotalMilliseconds);
            allocated = Math.Max(allocated, GC.GetTotalAllocatedBytes(true) - before);
        }
        times.Sort();
        return new Sample(times, allocated / 1048576.0, Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0);
    }
}

using System.Text.Json;
using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Planning;
using Datalyptica.Profiles;
using Datalyptica.Rendering;
using Datalyptica.Validation;

/// <summary>
/// How cost grows with the estate (issue 7): validate, render and plan (simulated transport: every host reports
/// empty Debian 12 facts) for 50, 200, 1,000 and 5,000 hosts of the staging profile grown by its worker pools.
/// A step is flagged as faster than linear when, from one size to the next, its allocations per host grow more than 1.5x,
/// or its fastest run's time per host does while it takes at least <see cref="NoiseFloorMs"/> (below that a GC or a busy core decides
/// the ratio: a 15 ms validate read as "2x" in a run whose allocations grew exactly with the hosts).
/// </summary>
internal static class Scale
{
    private static readonly int[] Sizes = [50, 200, 1000, 5000];
    private const double NoiseFloorMs = 100;

    public static void Run(int runs, string jsonPath)
    {
        // Warm-up, unmeasured: .NET recompiles hot code optimised (tier 1) only after it has run a while, so without this the
        // first sizes ran partly unoptimised code and a 1,000-host plan took 140-500 ms from run to run (1,200 ms at 2,000 once).
        for (var i = 0; i < 3; i++) Steps(Site(1000), (_, work) => work());

        var rows = new List<Row>();
        foreach (var size in Sizes)
            Steps(Site(size), (step, work) => rows.Add(Measure(step, size, runs, work)));
        foreach (var step in rows.GroupBy(r => r.Step))
        {
            Row? previous = null;
            foreach (var row in step)
            {
                if (previous is not null)
                {
                    // The fastest run: the median still carries a gen-2 collection or a busy core in some sizes and not others.
                    var perHostGrowth = (row.FastestMs / row.Hosts) / (previous.FastestMs / previous.Hosts);
                    var allocGrowth = (row.AllocatedMb / row.Hosts) / (previous.AllocatedMb / previous.Hosts);
                    row.PerHostGrowth = Math.Round(perHostGrowth, 2);
                    row.AllocPerHostGrowth = Math.Round(allocGrowth, 2);
                    row.SuperLinear = allocGrowth > 1.5 || (perHostGrowth > 1.5 && row.FastestMs >= NoiseFloorMs);
                }
                previous = row;
            }
        }
        Console.WriteLine($"\n{"step",-28} {"hosts",6} {"median ms",10} {"fastest",8} {"ms/host",8} {"alloc MB",9} {"peak MB",8}  growth/host: fastest time, alloc");
        foreach (var r in rows)
            Console.WriteLine($"{r.Step,-28} {r.Hosts,6} {r.MedianMs,10:0.0} {r.FastestMs,8:0.0} {r.FastestMs / r.Hosts,8:0.00} {r.AllocatedMb,9:0.0} {r.PeakWorkingSetMb,8:0}  " +
                              (r.PerHostGrowth is { } g ? $"{g:0.00}x, {r.AllocPerHostGrowth:0.00}x{(r.SuperLinear ? "  <- grows faster than linear" : "")}" : ""));
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(new { runs, profile = "staging", rows }, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"\nscale results written to {jsonPath}");
    }

    private static Datalyptica.Model.Site Site(int hosts) =>
        ProfileExpander.Expand(BuiltInProfiles.Staging, hostCount: hosts, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qk");

    /// <summary>The three steps in order (plan uses what render made), each handed to <paramref name="run"/>.</summary>
    private static void Steps(Datalyptica.Model.Site site, Action<string, Action> run)
    {
        run("validate", () => SiteValidator.Validate(site));
        IReadOnlyList<HostFiles> rendered = [];
        run("render", () => rendered = SiteRenderer.Render(site));
        run("plan (simulated transport)", () =>
            Planner.Build(site.Name, DesiredStateBuilder.Build(site, rendered, ArtifactCatalog.Empty), _ => HostFacts.EmptyDebian12, new PlanOptions()));
    }

    private static Row Measure(string step, int hosts, int runs, Action action)
    {
        var s = Timing.Measure(runs, action);
        return new Row(step, hosts, s.MedianMs, s.AllocatedMb, s.PeakWorkingSetMb) { FastestMs = s.SortedMs[0] };
    }

    private sealed record Row(string Step, int Hosts, double MedianMs, double AllocatedMb, double PeakWorkingSetMb)
    {
        public double FastestMs { get; init; }
        public double? PerHostGrowth { get; set; }
        public double? AllocPerHostGrowth { get; set; }
        public bool SuperLinear { get; set; }
    }
}

using System.Text.Json;
using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Planning;
using Datalyptica.Profiles;
using Datalyptica.Rendering;
using Datalyptica.Validation;

/// <summary>
/// How cost grows with the estate (issue 7): validate, render and plan (simulated transport: every host reports
/// empty Debian 12 facts) for 50, 200, 1,000 and 5,000 hosts of the staging profile grown by its worker pools.
/// A step whose time per host grows by more than 1.5x from one size to the next is flagged as faster than linear.
/// </summary>
internal static class Scale
{
    private static readonly int[] Sizes = [50, 200, 1000, 5000];

    public static void Run(int runs, string jsonPath)
    {
        var rows = new List<Row>();
        foreach (var size in Sizes)
        {
            var site = ProfileExpander.Expand(BuiltInProfiles.Staging, hostCount: size, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qk");
            rows.Add(Measure("validate", size, runs, () => SiteValidator.Validate(site)));
            IReadOnlyList<HostFiles> rendered = [];
            rows.Add(Measure("render", size, runs, () => rendered = SiteRenderer.Render(site)));
            rows.Add(Measure("plan (simulated transport)", size, runs, () =>
            {
                var desired = DesiredStateBuilder.Build(site, rendered, ArtifactCatalog.Empty);
                Planner.Build(site.Name, desired, _ => HostFacts.EmptyDebian12, new PlanOptions());
            }));
        }
        foreach (var step in rows.GroupBy(r => r.Step))
        {
            Row? previous = null;
            foreach (var row in step)
            {
                if (previous is not null)
                {
                    var perHostGrowth = (row.MedianMs / row.Hosts) / (previous.MedianMs / previous.Hosts);
                    row.PerHostGrowth = Math.Round(perHostGrowth, 2);
                    row.SuperLinear = perHostGrowth > 1.5;
                }
                previous = row;
            }
        }
        Console.WriteLine($"\n{"step",-28} {"hosts",6} {"median ms",10} {"ms/host",8} {"alloc MB",9} {"peak MB",8}  growth/host");
        foreach (var r in rows)
            Console.WriteLine($"{r.Step,-28} {r.Hosts,6} {r.MedianMs,10:0.0} {r.MedianMs / r.Hosts,8:0.00} {r.AllocatedMb,9:0.0} {r.PeakWorkingSetMb,8:0}  " +
                              (r.PerHostGrowth is { } g ? $"{g:0.00}x{(r.SuperLinear ? "  <- grows faster than linear" : "")}" : ""));
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(new { runs, profile = "staging", rows }, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"\nscale results written to {jsonPath}");
    }

    private static Row Measure(string step, int hosts, int runs, Action action)
    {
        var s = Timing.Measure(runs, action);
        return new Row(step, hosts, s.MedianMs, s.AllocatedMb, s.PeakWorkingSetMb);
    }

    private sealed record Row(string Step, int Hosts, double MedianMs, double AllocatedMb, double PeakWorkingSetMb)
    {
        public double? PerHostGrowth { get; set; }
        public bool SuperLinear { get; set; }
    }
}

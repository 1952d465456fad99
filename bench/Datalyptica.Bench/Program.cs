// Foundation benchmarks (issue: "init + validate of the production profile well under a second of work;
// validate of a generated 1,000-host site under 2 s"). Not a test: it prints medians and writes JSON.
// Usage: dotnet run -c Release --project bench/Datalyptica.Bench [-- --runs N] [--cli PATH]
using System.Diagnostics;
using System.Text.Json;
using Datalyptica.Profiles;
using Datalyptica.Rendering;
using Datalyptica.Secrets;
using Datalyptica.Sites;
using Datalyptica.Validation;

var runs = ArgValue("--runs") is { } r ? int.Parse(r) : 7;
if (args.Contains("--scale"))
{
    Scale.Run(Math.Min(runs, 5), ArgValue("--json") ?? Path.Combine(AppContext.BaseDirectory, "scale-results.json"));
    return;
}
var cli = ArgValue("--cli");
var work = Directory.CreateTempSubdirectory("dl-bench-");
var password = new Secret("bench-password");
var results = new List<object>();

try
{
    // init + validate of the production profile, in process: expand, write the inventory, read it back, validate.
    Measure("init+validate production (66 hosts)", () =>
    {
        var dir = Path.Combine(work.FullName, "prod-" + Guid.NewGuid().ToString("N"));
        InitAndValidate(BuiltInProfiles.Production, null, dir);
    });

    // Render every file of every host (issue: production well under a second; 1,000 hosts under 5 s).
    var production = ProfileExpander.Expand(BuiltInProfiles.Production);
    Measure($"render all files of production ({production.Hosts.Count} hosts)", () => SiteRenderer.Render(production));
    var big = ProfileExpander.Expand(BuiltInProfiles.Production, hostCount: 1000);
    Measure("render all files of a generated 1000-host site", () => SiteRenderer.Render(big));

    foreach (var size in new[] { 1000, 5000 })
    {
        var dir = Path.Combine(work.FullName, $"gen-{size}");
        var site = ProfileExpander.Expand(BuiltInProfiles.Production, hostCount: size);
        SiteWriter.Write(dir, site, SiteWriter.GenerateSecrets(site), password, "production");
        Measure($"validate generated {size}-host site (load + rules)", () => Validate(dir, size));
        Measure($"init generated {size}-host site (expand + write)", () =>
        {
            var d = Path.Combine(work.FullName, $"init-{size}-" + Guid.NewGuid().ToString("N"));
            var s = ProfileExpander.Expand(BuiltInProfiles.Production, hostCount: size);
            SiteWriter.Write(d, s, SiteWriter.GenerateSecrets(s), password, "production");
        });
    }

    if (cli is not null)
    {
        // The whole program as a user runs it, .NET start-up included.
        var dir = Path.Combine(work.FullName, "cli-prod");
        Measure("CLI: datalyptica init production + validate (two processes)", () =>
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
            Run(cli, $"init --profile production --out {dir}");
            Run(cli, $"validate {dir}");
        });
    }

    var json = Path.Combine(AppContext.BaseDirectory, "foundation-results.json");
    var outFile = ArgValue("--json") ?? json;
    File.WriteAllText(outFile, JsonSerializer.Serialize(new { runs, results }, new JsonSerializerOptions { WriteIndented = true }));
    Console.WriteLine($"\nresults written to {outFile}");
}
finally
{
    work.Delete(true);
}

void InitAndValidate(Profile profile, int? hosts, string dir)
{
    var site = ProfileExpander.Expand(profile, hostCount: hosts);
    SiteWriter.Write(dir, site, SiteWriter.GenerateSecrets(site), password, profile.Name);
    Validate(dir, site.Hosts.Count);
}

void Validate(string dir, int expectedHosts)
{
    var loaded = SiteLoader.Load(dir, () => password);
    var findings = SiteValidator.Validate(loaded.Site!, loaded.Diagnostics);
    if (loaded.Site!.Hosts.Count != expectedHosts || findings.Any(f => f.Severity != Datalyptica.Diagnostics.Severity.Info))
        throw new InvalidOperationException("benchmark site did not validate clean: " + string.Join("; ", findings.Take(3)));
}

void Measure(string name, Action action)
{
    var s = Timing.Measure(runs, action);
    var t = s.SortedMs;
    Console.WriteLine($"{name,-62} median {s.MedianMs,8:0.0} ms  min {t[0],8:0.0} ms  max {t[^1],8:0.0} ms  alloc {s.AllocatedMb,7:0.0} MB  peak RSS {s.PeakWorkingSetMb,6:0} MB");
    results.Add(new { name, medianMs = s.MedianMs, minMs = t[0], maxMs = t[^1], allocatedMb = s.AllocatedMb, peakWorkingSetMb = s.PeakWorkingSetMb });
}

static void Run(string exe, string args)
{
    var p = Process.Start(new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
    p.StandardOutput.ReadToEnd();
    p.StandardError.ReadToEnd();
    p.WaitForExit();
    if (p.ExitCode != 0) throw new InvalidOperationException($"{exe} {args} exited {p.ExitCode}");
}

string? ArgValue(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

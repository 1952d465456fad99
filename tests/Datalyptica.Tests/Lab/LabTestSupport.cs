using Datalyptica.Engine.Repository;
using Datalyptica.Lab;

namespace Datalyptica.Tests.Lab;

/// <summary>
/// The lab end-to-end classes share the cached base image and the cached OS base repository; on a machine that has
/// neither yet, running them in parallel would build both twice into the same folders. One collection runs them in turn.
/// </summary>
[CollectionDefinition(Name)]
public sealed class LabCollection
{
    public const string Name = "lab hosts (one at a time)";
}

internal static class LabTestOutput
{
    /// <summary>Runs a CLI step and writes how long it took to the test output (lab steps are measured, never asserted on).</summary>
    public static Cli.CliResult Timed(this Xunit.Abstractions.ITestOutputHelper output, string what, Func<Cli.CliResult> run)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = run();
        output.WriteLine($"{what}: {watch.Elapsed.TotalSeconds:0.00} s");
        return result;
    }
}

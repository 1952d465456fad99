using Datalyptica.Engine.Repository;
using Datalyptica.Lab;

namespace Datalyptica.Tests.Lab;

/// <summary>
/// The lab end-to-end classes share the cached base image and the cached OS base repository; on a machine that has
/// neither yet, running them in parallel would build both twice into the same folders. One collection runs them in turn.
/// And alone: the drills assert limits of 1 and 2 s (vip-stop, vip-crash, etcd-stop; docs/DRILLS.md measured 1.37-1.80 s
/// for the 2 s one) on lab hosts that share the machine's cores, so a ZooKeeper JVM, PostgreSQL, Patroni or etcd another
/// test class boots beside them would be measured too (issue 19). xunit 2 runs a collection with DisableParallelization
/// after every parallel collection has finished, and such collections one at a time
/// (https://xunit.net/docs/running-tests-in-parallel). The test classes that boot those servers stop them in their own
/// Dispose (ServerProcess), so none outlives its test into the lab's turn.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LabCollection
{
    public const string Name = "lab hosts (one at a time, nothing beside them)";
}

internal static class LabTestOutput
{
    public static async Task TimedAsync(this Xunit.Abstractions.ITestOutputHelper output, string what, Func<Task> run)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await run();
        output.WriteLine($"{what}: {watch.Elapsed.TotalSeconds:0.00} s");
    }

    public static async Task<T> TimedAsync<T>(this Xunit.Abstractions.ITestOutputHelper output, string what, Func<Task<T>> run)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = await run();
        output.WriteLine($"{what}: {watch.Elapsed.TotalSeconds:0.00} s");
        return result;
    }

    /// <summary>Runs a CLI step and writes how long it took to the test output (lab steps are measured, never asserted on).</summary>
    public static Cli.CliResult Timed(this Xunit.Abstractions.ITestOutputHelper output, string what, Func<Cli.CliResult> run)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = run();
        output.WriteLine($"{what}: {watch.Elapsed.TotalSeconds:0.00} s");
        return result;
    }
}


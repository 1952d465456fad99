using System.Diagnostics;

namespace Datalyptica.Engine;

/// <summary>
/// Timings for profiling a run: with DATALYPTICA_TRACE=1, each mark prints "[trace +N ms] what" (ms since the process
/// started, so .NET start-up shows too) to stderr. Off by default; never prints command text or secrets, only labels.
/// </summary>
public static class EngineTrace
{
    public static bool Enabled { get; private set; } = Environment.GetEnvironmentVariable("DATALYPTICA_TRACE") is "1" or "true";
    private static readonly Lazy<DateTime> Started = new(() => Process.GetCurrentProcess().StartTime.ToUniversalTime());

    /// <summary>Turns the trace on for the rest of this process (-v/--verbose).</summary>
    public static void Enable() => Enabled = true;

    public static void Mark(string what)
    {
        if (!Enabled) return;
        Console.Error.WriteLine($"[trace +{(DateTime.UtcNow - Started.Value).TotalMilliseconds:0} ms] {what}");
    }
}

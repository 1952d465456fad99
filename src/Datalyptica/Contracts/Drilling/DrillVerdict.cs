namespace Datalyptica.Contracts.Drilling;

/// <summary>
/// The one check every drill result gets (the CLI's exit code, the per-drill lab tests and the end-to-end run), so a drill
/// cannot pass by measuring nothing: no failure; at least one measurement, each with a value and within its limit; and for a
/// drill that declares a write load (<see cref="IDrill.Writes"/>), a write account with acknowledged writes and none lost.
/// A drill that throws before measuring, or never sees writes come back, records no value and fails here.
/// </summary>
public static class DrillVerdict
{
    /// <summary>
    /// Why <paramref name="result"/> did not pass: its failures verbatim, then each missing or out-of-limit piece. Empty
    /// when it passed. Every measurement is judged by its own limit: there is no relaxed limit for a test to pass.
    /// </summary>
    public static IReadOnlyList<string> Problems(DrillResult result)
    {
        var problems = new List<string>(result.Failures);
        if (result.Measurements.Count == 0) problems.Add("no measurement was recorded");
        foreach (var m in result.Measurements)
        {
            if (m.Value is not { } value) problems.Add($"{m.Name}: no value (never measured)");
            else if (!m.Informational && value > m.Limit)
                problems.Add($"{m.Name}: {value.TotalSeconds:0.00} s over its limit of {m.Limit.TotalSeconds:0.##} s");
        }
        if (result.DeclaresWrites)
        {
            if (result.Writes is not { } writes) problems.Add("the drill runs a write load but reported no write account");
            else
            {
                if (writes.Acknowledged == 0) problems.Add($"no write was acknowledged ({writes})");
                if (writes.Lost > 0) problems.Add($"{writes.Lost} acknowledged write(s) lost ({writes})");
            }
        }
        else if (result.Writes is { Lost: > 0 } lost) problems.Add($"{lost.Lost} acknowledged write(s) lost ({lost})");
        return problems;
    }

    /// <summary>Throws a <see cref="DrillException"/> naming every problem of <paramref name="result"/>; returns it when it passed.</summary>
    public static DrillResult EnsureComplete(DrillResult result) =>
        Problems(result) is { Count: > 0 } problems
            ? throw new DrillException($"drill {result.Drill} did not pass: {string.Join("; ", problems)}")
            : result;
}

namespace Datalyptica.Contracts.Drilling;

/// <summary>One measured time and the limit it must stay within.</summary>
public sealed record DrillMeasurement(string Name, TimeSpan? Value, TimeSpan Limit)
{
    public bool Passed => Value is { } v && v <= Limit;

    /// <summary>A time reported for information only (TimeSpan.MaxValue as its limit).</summary>
    public bool Informational => Limit == TimeSpan.MaxValue;

    public override string ToString() =>
        $"{Name}: {(Value is { } v ? $"{v.TotalSeconds:0.00} s" : "never")}{(Informational ? "" : $" (limit {Limit.TotalSeconds:0.##} s)")}{(Passed ? "" : " FAILED")}";
}

/// <summary>
/// What one drill measured: its times against their limits, the settings that bound them (with the worst case they
/// allow), the write account (<paramref name="DeclaresWrites"/>: the drill runs a write load, so it must have one), and
/// every failure in words. Passed only as <see cref="DrillVerdict"/> judges it: no failure, times measured and within
/// limits, writes acknowledged and none lost.
/// </summary>
public sealed record DrillResult(string Drill, IReadOnlyList<DrillMeasurement> Measurements, IReadOnlyDictionary<string, string> Settings,
    WriteAccount? Writes, IReadOnlyList<string> Failures, IReadOnlyList<string> Notes, TimeSpan WallTime, bool DeclaresWrites = false)
{
    public bool Passed => Problems.Count == 0;

    /// <summary>Why the drill did not pass (<see cref="DrillVerdict.Problems"/>); empty when it passed.</summary>
    public IReadOnlyList<string> Problems => DrillVerdict.Problems(this);
}

/// <summary>Collects a drill's result while it runs.</summary>
public sealed class DrillRecorder(string drill, bool declaresWrites = false)
{
    private readonly List<DrillMeasurement> _measurements = [];
    private readonly Dictionary<string, string> _settings = new(StringComparer.Ordinal);
    private readonly List<string> _failures = [];
    private readonly List<string> _notes = [];
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    public string Drill => drill;
    public WriteAccount? Writes { get; set; }

    public void Measure(string name, TimeSpan? value, TimeSpan limit) => _measurements.Add(new DrillMeasurement(name, value, limit));
    public void Setting(string name, string value) => _settings[name] = value;
    public void Fail(string why) => _failures.Add(why);
    public void Note(string note) => _notes.Add(note);

    public DrillResult Result() => new(drill, _measurements.ToList(), new Dictionary<string, string>(_settings), Writes, _failures.ToList(), _notes.ToList(), _clock.Elapsed, declaresWrites);
}

/// <summary>A drill found the cluster broken in a way it cannot measure through (raised before the fault, or when recovery fails).</summary>
public sealed class DrillException(string message) : Exception(message);

using System.Diagnostics;

namespace Datalyptica.Drills;

/// <summary>One write a drill client tried: when it started and ended (on the drill's clock), its key, and whether it was acknowledged.</summary>
public sealed record WriteAttempt(TimeSpan Started, TimeSpan Ended, long Key, bool Acknowledged, string? Error = null);

/// <summary>
/// Every write of a drill's client on one clock, and the numbers a drill reports from it: the time from the fault to the
/// first acknowledged write that STARTED after it (a write already in flight at the fault proves nothing about the
/// failover), the longest gap between acknowledgements, and which acknowledged keys are missing afterwards.
/// Thread-safe: the writer records while the drill reads.
/// </summary>
public sealed class WriteLedger
{
    private readonly List<WriteAttempt> _attempts = [];
    private readonly Stopwatch _clock;
    private readonly Lock _lock = new();

    public WriteLedger(Stopwatch? clock = null) => _clock = clock ?? Stopwatch.StartNew();

    public TimeSpan Now => _clock.Elapsed;

    public void Record(WriteAttempt attempt)
    {
        lock (_lock) _attempts.Add(attempt);
    }

    public IReadOnlyList<WriteAttempt> Attempts
    {
        get { lock (_lock) return _attempts.ToList(); }
    }

    public IReadOnlyList<long> AcknowledgedKeys => Attempts.Where(a => a.Acknowledged).Select(a => a.Key).ToList();

    public int Failures => Attempts.Count(a => !a.Acknowledged);

    /// <summary>From <paramref name="fault"/> to the acknowledgement of the first write started at or after it; null if none yet.</summary>
    public TimeSpan? RecoveryAfter(TimeSpan fault) => RecoveryAfter(Attempts, fault);

    public static TimeSpan? RecoveryAfter(IEnumerable<WriteAttempt> attempts, TimeSpan fault) =>
        attempts.Where(a => a.Acknowledged && a.Started >= fault).OrderBy(a => a.Ended).Select(a => (TimeSpan?)(a.Ended - fault)).FirstOrDefault();

    /// <summary>The longest time between two consecutive acknowledgements inside [from, to] (the window's edges count as acknowledgements).</summary>
    public TimeSpan LongestGap(TimeSpan from, TimeSpan to) => LongestGap(Attempts, from, to);

    public static TimeSpan LongestGap(IEnumerable<WriteAttempt> attempts, TimeSpan from, TimeSpan to)
    {
        var acks = attempts.Where(a => a.Acknowledged && a.Ended >= from && a.Ended <= to).Select(a => a.Ended).Order().ToList();
        var longest = TimeSpan.Zero;
        var previous = from;
        foreach (var at in acks.Append(to))
        {
            if (at - previous > longest) longest = at - previous;
            previous = at;
        }
        return longest;
    }

    /// <summary>Acknowledged keys that are not present afterwards: each one is a lost write.</summary>
    public static IReadOnlyList<long> Lost(IEnumerable<long> acknowledged, IEnumerable<long> present)
    {
        var found = present.ToHashSet();
        return acknowledged.Where(k => !found.Contains(k)).Distinct().Order().ToList();
    }
}

/// <summary>The acknowledged-versus-present account of a drill's writes; lost must be 0.</summary>
public sealed record WriteAccount(int Attempted, int Acknowledged, int Failed, int Present, IReadOnlyList<long> LostKeys)
{
    public int Lost => LostKeys.Count;

    public static WriteAccount From(WriteLedger ledger, IReadOnlyCollection<long> present)
    {
        var attempts = ledger.Attempts;
        var acknowledged = attempts.Where(a => a.Acknowledged).Select(a => a.Key).ToList();
        return new WriteAccount(attempts.Count, acknowledged.Count, attempts.Count(a => !a.Acknowledged), present.Count,
            WriteLedger.Lost(acknowledged, present));
    }

    public override string ToString() =>
        $"{Acknowledged} acknowledged, {Present} present, {Lost} lost ({Failed} failed attempts of {Attempted})";
}

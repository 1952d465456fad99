using System.Diagnostics;

namespace Datalyptica.Contracts.Drilling;

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

    /// <summary>
    /// The outage the client saw after <paramref name="fault"/>: from the last acknowledgement before the first failed
    /// write that started at or after the fault, to the first acknowledgement of a write started after that failure.
    /// A clean stop keeps acknowledging for a moment after the command is issued; this is the gap the client notices.
    /// Null when no write failed after the fault (no outage) or none succeeded after the failure (not recovered).
    /// </summary>
    public static Outage? OutageAfter(IEnumerable<WriteAttempt> attempts, TimeSpan fault)
    {
        var all = attempts.OrderBy(a => a.Started).ToList();
        var firstFailure = all.FirstOrDefault(a => !a.Acknowledged && a.Started >= fault);
        if (firstFailure is null) return null;
        var lastAck = all.Where(a => a.Acknowledged && a.Ended <= firstFailure.Ended).Select(a => (TimeSpan?)a.Ended).Max() ?? fault;
        var recovered = all.Where(a => a.Acknowledged && a.Started >= firstFailure.Started).OrderBy(a => a.Ended).FirstOrDefault();
        return new Outage(lastAck, firstFailure.Started, recovered?.Ended);
    }

    public Outage? OutageAfter(TimeSpan fault) => OutageAfter(Attempts, fault);

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

/// <summary>A client-visible outage: the last acknowledgement before it, the first failure, and the first acknowledgement after (null: none yet).</summary>
public sealed record Outage(TimeSpan LastAcknowledged, TimeSpan FirstFailure, TimeSpan? Recovered)
{
    public TimeSpan? Duration => Recovered - LastAcknowledged;
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

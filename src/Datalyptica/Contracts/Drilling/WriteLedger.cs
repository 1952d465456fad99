using System.Diagnostics;

namespace Datalyptica.Contracts.Drilling;

/// <summary>One write a drill client tried: when it started and ended (on the drill's clock), its key, and whether it was acknowledged.</summary>
public sealed record WriteAttempt(TimeSpan Started, TimeSpan Ended, long Key, bool Acknowledged, string? Error = null);

/// <summary>
/// Every write of a drill's client on one clock, and the numbers a drill reports from it: the outage window around a fault
/// (gaps between acknowledgements, never counted from errors alone), the longest gap between acknowledgements, and which
/// acknowledged keys are missing afterwards.
/// Thread-safe: the writer records while the drill reads.
/// </summary>
public sealed class WriteLedger
{
    private readonly List<WriteAttempt> _attempts = [];
    private readonly Func<TimeSpan> _now;
    private readonly Lock _lock = new();

    /// <summary>A ledger on its own monotonic clock, or on <paramref name="now"/> (tests drive a fake one).</summary>
    public WriteLedger(Func<TimeSpan>? now = null)
    {
        if (now is null)
        {
            var clock = Stopwatch.StartNew();
            now = () => clock.Elapsed;
        }
        _now = now;
    }

    public TimeSpan Now => _now();

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
    /// The client-visible outage around <paramref name="fault"/>, read from ACKNOWLEDGED writes only (a write that hangs
    /// fails nothing, so counting errors would report a stall as no outage): the window runs from the last acknowledgement
    /// at or before the fault (the fault itself when none) to the first acknowledgement ending at or after
    /// <paramref name="until"/>, the end of the time the drill watches. <see cref="OutageWindow.Longest"/> is the longest
    /// gap between consecutive acknowledgements in it; <see cref="OutageWindow.Interruption"/> the first gap ending after
    /// the fault that is longer than three times the writer's cadence before the fault (a gap that short is the writer's
    /// own rhythm). Null while no write has been acknowledged at or after <paramref name="until"/>: not recovered (yet).
    /// </summary>
    public static OutageWindow? Window(IEnumerable<WriteAttempt> attempts, TimeSpan fault, TimeSpan until)
    {
        var all = attempts.ToList();
        var acks = all.Where(a => a.Acknowledged).Select(a => a.Ended).Order().ToList();
        var end = acks.Where(t => t >= until && t > fault).Cast<TimeSpan?>().FirstOrDefault();
        if (end is not { } e) return null;
        var before = acks.Where(t => t <= fault).ToList();
        var start = before.Count > 0 ? before[^1] : fault;
        var points = acks.Where(t => t > start && t <= e).Prepend(start).ToList();
        var gaps = points.Zip(points.Skip(1), (from, to) => new AckGap(from, to)).ToList();
        var longest = gaps.MaxBy(g => g.Duration)!; // e > fault >= start, so there is at least one gap
        var cadence = Median(before.Zip(before.Skip(1), (a, b) => b - a).ToList());
        var interruption = cadence is { } c
            ? gaps.FirstOrDefault(g => g.To > fault && g.Duration > 3 * c) ?? gaps.FirstOrDefault(g => g.To > fault) ?? longest
            : longest; // no rhythm to compare with: the longest gap is the one the fault caused
        var failed = all.Where(a => !a.Acknowledged && a.Ended > start && a.Started < e).OrderBy(a => a.Started).ToList();
        return new OutageWindow(fault, start, e, longest, interruption, failed);
    }

    public OutageWindow? Window(TimeSpan fault, TimeSpan until) => Window(Attempts, fault, until);

    private static TimeSpan? Median(List<TimeSpan> values) => values.Count == 0 ? null : values.Order().ElementAt(values.Count / 2);

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

/// <summary>The time between two consecutive acknowledgements (or from the fault to the first, when none came before it).</summary>
public sealed record AckGap(TimeSpan From, TimeSpan To)
{
    public TimeSpan Duration => To - From;
}

/// <summary>
/// What a drill's client saw around a fault: the watched window (last acknowledgement at or before the fault to the first
/// one at or after the end of the watch), its longest gap between acknowledgements (the outage), the first gap the fault
/// caused (its end is when writes came back), and the failed attempts inside the window (none when writes only stalled).
/// </summary>
public sealed record OutageWindow(TimeSpan Fault, TimeSpan Start, TimeSpan End, AckGap Longest, AckGap Interruption, IReadOnlyList<WriteAttempt> Failed)
{
    /// <summary>The client-visible outage: the longest time without an acknowledged write.</summary>
    public TimeSpan Outage => Longest.Duration;

    /// <summary>From the fault to the acknowledgement that ended the interruption it caused.</summary>
    public TimeSpan FromFault => Interruption.To - Fault;
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

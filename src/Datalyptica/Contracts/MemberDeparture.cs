using Datalyptica.Model;

namespace Datalyptica.Contracts;

/// <summary>Where a departure step runs: on the host that leaves, or on each remaining member of a role, one at a time.</summary>
public enum DepartureTarget
{
    DepartingHost,
    EachRemainingMember,
}

/// <summary>
/// One command of a member's departure. <see cref="Command"/> gets the site as it was, the departing host and the host it
/// runs on (the same host for <see cref="DepartureTarget.DepartingHost"/>), and is bash run as the connection user; it must exit 0 (a probe that waits for something waits inside, bounded by
/// <see cref="TimeoutSeconds"/>). Every site value in it is quoted (RemoteCommand.Quote); it holds no secret (a password is
/// read on the host from a rendered file, as the health probes do).
/// </summary>
/// <param name="RemainingRole">For <see cref="DepartureTarget.EachRemainingMember"/>: the role whose remaining members run it.</param>
public sealed record DepartureStep(string Description, DepartureTarget Target, Func<Site, Host, Host, string> Command, RoleDefinition? RemainingRole = null)
{
    public int TimeoutSeconds { get; init; } = 300;
}

/// <summary>
/// What a member of a role needs when it leaves its cluster (`datalyptica hosts remove`, `scale` in), declared in the
/// component's folder. Apart from these steps every departure is the same: a member that leads hands over first (the unit's
/// <see cref="UnitSpec.HandOver"/>, as a rolling restart does), its units are stopped and disabled and the unit files the
/// site rendered are deleted, the remaining members forget it (<see cref="AfterLeave"/>), the site is applied to the
/// remaining hosts without it, and the component must be healthy.
/// </summary>
public sealed record MemberDeparture
{
    /// <summary>Nothing beyond the common steps.</summary>
    public static readonly MemberDeparture Plain = new();

    /// <summary>
    /// Why a member of this role cannot leave through `hosts remove` (a consensus ensemble whose membership must change
    /// first), with the way to do it by hand; null: it can.
    /// </summary>
    public string? Refused { get; init; }

    /// <summary>Before the member's units stop (after its hand-over): drains its work (Trino graceful shutdown).</summary>
    public IReadOnlyList<DepartureStep> Drain { get; init; } = [];

    /// <summary>Once the member stopped, before the inventory changes: the remaining members forget it (SENTINEL RESET).</summary>
    public IReadOnlyList<DepartureStep> AfterLeave { get; init; } = [];
}

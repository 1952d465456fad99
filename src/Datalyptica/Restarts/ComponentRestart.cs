using System.Diagnostics;
using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Drilling;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Planning;
using Datalyptica.Model;
using Datalyptica.Rendering;

namespace Datalyptica.Restarts;

/// <summary>A member of the component and the units apply manages there, in the order apply plans them.</summary>
public sealed record RestartMember(Host Host, IReadOnlyList<UnitSpec> Units)
{
    public IEnumerable<string> UnitNames => Units.Select(u => u.Name);
}

/// <summary>What happened to one member: restarted (and when it was healthy again), or where the restart stopped.</summary>
public sealed record RestartStep(string Host, IReadOnlyList<string> Units)
{
    /// <summary>The member led its cluster when its turn came.</summary>
    public bool Led { get; init; }
    /// <summary>The hand-over run before its restart ("Patroni switchover to a synchronous standby"), if any.</summary>
    public string? HandOver { get; init; }
    public TimeSpan? HandOverTook { get; init; }
    /// <summary>From the restart command to the second healthy verify of the whole component in a row.</summary>
    public TimeSpan? HealthyAfter { get; init; }
    /// <summary>Why the restart stopped at this member (null: done).</summary>
    public string? Problem { get; init; }
    /// <summary>An upgrade's member that failed its gate was put back as it was (true) or could not be (false); null: no roll back ran.</summary>
    public bool? RolledBack { get; init; }
}

public sealed record RestartResult(string Component, IReadOnlyList<RestartStep> Steps, TimeSpan WallTime)
{
    public bool Completed => Steps.All(s => s.Problem is null);
    public RestartStep? StoppedAt => Steps.FirstOrDefault(s => s.Problem is not null);
}

/// <summary>Why a restart did not start (the component is not healthy, runs no unit, or the limit leaves no member).</summary>
public sealed class RestartRefusedException(string message) : Exception(message);

/// <summary>
/// <c>datalyptica restart SITE COMPONENT</c>: a rolling restart, one member at a time, each member's units restarted and
/// the whole component healthy again (verify's own probes, twice in a row) before the next member. Members that lead
/// their cluster go last; a unit that declares a hand-over (<see cref="UnitSpec.HandOver"/>: Patroni's switchover,
/// Sentinel's failover) moves leadership away first, so clients see one orderly switch instead of a failover. Stops at
/// the first member that does not come back and says where; the members after it are left untouched.
/// </summary>
public static class ComponentRestart
{
    /// <summary>
    /// The component's members (inside <paramref name="limit"/> when given) with the units each runs: a unit whose file or
    /// drop-in the site renders on the host, or one a package brings wherever the component runs (as apply manages them).
    /// </summary>
    public static IReadOnlyList<RestartMember> Members(Site site, ComponentDefinition component, IReadOnlySet<string>? limit)
    {
        var members = new List<RestartMember>();
        foreach (var host in site.Hosts.Where(h => component.Roles.Any(h.Has) && (limit is null || limit.Contains(h.Name))))
        {
            // A scheduled job is not a service: restarting it would run it (a backup) out of schedule.
            var units = UnitsOn(site, host, component).Units.Where(u => !u.StartedByTimer).ToList();
            if (units.Count > 0) members.Add(new RestartMember(host, units));
        }
        return members;
    }

    /// <summary>
    /// The component's units on <paramref name="host"/> as apply manages them (timers included), and the unit files and
    /// drop-ins the site renders there; none on a host without the component's roles. Restart and `hosts remove` share it.
    /// </summary>
    public static (IReadOnlyList<UnitSpec> Units, IReadOnlyList<string> UnitFiles) UnitsOn(Site site, Host host, ComponentDefinition component)
    {
        if (!component.Roles.Any(host.Has)) return ([], []);
        var files = SiteRenderer.Render(site, host.Name, component.Id).SelectMany(h => h.Files)
            .Where(f => f.Kind == FileKind.SystemdUnit).Select(f => f.Path).ToList();
        return (DesiredStateBuilder.ManagedUnits(component.Lifecycle, component.Id, files), files);
    }

    /// <summary>The leader check of a member's units: the hand-over's, else the rolling group's (null: no unit has one).</summary>
    public static IReadOnlyList<string> LeaderChecks(Site site, RestartMember member) =>
        member.Units.Select(u => u.HandOver?.Invoke(site, member.Host).LeaderCheck ?? u.Rolling?.Invoke(site, member.Host).LeaderCheck).OfType<string>().ToList();

    /// <summary>What the member's hand-over is called ("Patroni switchover to a synchronous standby"), null when none is declared.</summary>
    public static string? HandOverDescription(Site site, RestartMember member) =>
        member.Units.Select(u => u.HandOver?.Invoke(site, member.Host).Description).OfType<string>().FirstOrDefault();

    public static async Task<bool> LeadsAsync(DrillContext context, RestartMember member, CancellationToken cancellation)
    {
        foreach (var check in LeaderChecks(context.Site, member))
            if ((await context.RunAsync(member.Host, check, cancellation)).Succeeded) return true;
        return false;
    }

    /// <summary>The members in restart order: those that do not lead now first (inventory order), the leaders last.</summary>
    public static async Task<IReadOnlyList<(RestartMember Member, bool Leads)>> OrderAsync(DrillContext context, IReadOnlyList<RestartMember> members, CancellationToken cancellation)
    {
        var leads = await Task.WhenAll(members.Select(m => LeadsAsync(context, m, cancellation)));
        return members.Select((m, i) => (m, leads[i])).OrderBy(x => x.Item2).ToList();
    }

    /// <summary>
    /// Restarts <paramref name="order"/> member by member. Refuses before touching anything when the component is not
    /// healthy now (a rolling restart of a degraded cluster can take its last good member down).
    /// </summary>
    /// <param name="restartCommand">The command that restarts a member's units (default: one systemctl restart of them
    /// all); tests on a machine without systemd give their own.</param>
    /// <param name="describe">What the progress line says a member's restart command does (default: the command itself).</param>
    /// <param name="rollbackCommand">An upgrade's way back for a member whose restart command ran but which did not come back
    /// (its previous packages, then its units restarted); the restart still stops there, with the member as it was.</param>
    public static Task<RestartResult> RunAsync(DrillContext context, ComponentDefinition component, IReadOnlyList<RestartMember> order,
        TimeSpan healthWithin, Action<string> progress, CancellationToken cancellation, Func<RestartMember, string>? restartCommand = null,
        Func<RestartMember, string>? rollbackCommand = null, Func<RestartMember, string>? describe = null) =>
        RunAsync(context, component, order, healthWithin, progress, MemberSteps.Commands(context, restartCommand ?? SystemctlRestart, rollbackCommand, describe), cancellation);

    /// <summary>
    /// The same rolling run with each member's change and way back as actions (an artifact upgrade applies the member's
    /// part of the plan at the new version, and at the old one to roll back).
    /// </summary>
    public static async Task<RestartResult> RunAsync(DrillContext context, ComponentDefinition component, IReadOnlyList<RestartMember> order,
        TimeSpan healthWithin, Action<string> progress, MemberSteps steps, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var before = await context.HealthProblemsAsync(cancellation, component.Id);
        if (before.Count > 0)
            throw new RestartRefusedException($"{component.Id} is not healthy, so no member was restarted: {string.Join("; ", before.Take(5))}. " +
                $"Fix: datalyptica verify {context.Directory} --component {component.Id}, then restart again.");
        var done = new List<RestartStep>();
        foreach (var member in order)
        {
            var step = await RestartMemberAsync(context, component, member, healthWithin, progress, steps, cancellation);
            done.Add(step);
            if (step.Problem is not null)
            {
                progress($"stopped at {member.Host.Name}: {step.Problem}");
                break;
            }
        }
        return new RestartResult(component.Id, done, clock.Elapsed);
    }

    public static string SystemctlRestart(RestartMember member) => $"systemctl restart {string.Join(' ', member.UnitNames)}";

    private static async Task<RestartStep> RestartMemberAsync(DrillContext context, ComponentDefinition component, RestartMember member,
        TimeSpan healthWithin, Action<string> progress, MemberSteps steps, CancellationToken cancellation)
    {
        var host = member.Host;
        var step = new RestartStep(host.Name, member.UnitNames.ToList());
        var changed = false;
        try
        {
            // Asked again at its turn: leadership may have moved while the members before it restarted.
            if (await LeadsAsync(context, member, cancellation))
            {
                step = step with { Led = true };
                if (await HandOverAsync(context, component, member, healthWithin, progress, cancellation) is { } handedOver)
                    step = step with { HandOver = handedOver.Description, HandOverTook = handedOver.Took };
                else progress($"{host.Name} leads; no hand-over is declared, so it restarts last as it is");
            }
            progress($"{host.Name}: {steps.Describe(member)}");
            var restart = Stopwatch.StartNew();
            changed = true;
            await steps.Restart(member, cancellation);
            await context.WaitComponentHealthyAsync(component.Id, healthWithin, cancellation);
            progress($"{host.Name}: {component.Id} healthy again {restart.Elapsed.TotalSeconds:0.0} s after the restart");
            return step with { HealthyAfter = restart.Elapsed };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            var problem = context.Masker.Mask(e.Message);
            if (changed && steps.Rollback is { } rollback)
            {
                var (rolledBack, how) = await RollBackAsync(context, component, member, healthWithin, progress, rollback, cancellation);
                return step with { RolledBack = rolledBack, Problem = $"{problem} {how}" };
            }
            return step with { Problem = problem + $" Fix: journalctl -u {member.Units[0].Name} on {host.Name}; datalyptica verify {context.Directory} --component {component.Id}." };
        }
    }

    /// <summary>
    /// Moves leadership away from a member that leads, through its units' declared hand-overs (each until the member no
    /// longer leads), then waits until the component is healthy. Null when none is declared (the member still leads).
    /// Used by restart before the leader's turn and by `hosts remove` before a leader leaves.
    /// </summary>
    public static async Task<(string Description, TimeSpan Took)?> HandOverAsync(DrillContext context, ComponentDefinition component, RestartMember member,
        TimeSpan healthWithin, Action<string> progress, CancellationToken cancellation)
    {
        var host = member.Host;
        var handOvers = member.Units.Select(u => u.HandOver?.Invoke(context.Site, host)).OfType<LeaderHandOver>().ToList();
        if (handOvers.Count == 0) return null;
        var watch = Stopwatch.StartNew();
        foreach (var handOver in handOvers)
        {
            progress($"{host.Name} leads: {handOver.Description}");
            await context.RunCheckedAsync(host, handOver.Command, cancellation, TimeSpan.FromSeconds(handOver.TimeoutSeconds));
            await context.WaitUntilAsync($"{host.Name} to stop leading after the {handOver.Description}",
                async ct => (await context.RunAsync(host, handOver.LeaderCheck, ct)).Succeeded ? "still leads" : null,
                TimeSpan.FromSeconds(handOver.TimeoutSeconds), cancellation);
        }
        await context.WaitComponentHealthyAsync(component.Id, healthWithin, cancellation);
        progress($"{host.Name} handed over in {watch.Elapsed.TotalSeconds:0.0} s");
        return (string.Join("; ", handOvers.Select(h => h.Description)), watch.Elapsed);
    }

    /// <summary>How long one member's restart command may run: an upgrade's package install is part of it.</summary>
    internal const int RestartCommandTimeoutSeconds = 600;

    private static async Task<(bool RolledBack, string How)> RollBackAsync(DrillContext context, ComponentDefinition component, RestartMember member,
        TimeSpan healthWithin, Action<string> progress, Func<RestartMember, CancellationToken, Task> rollback, CancellationToken cancellation)
    {
        var host = member.Host;
        progress($"{host.Name} did not come back; rolling it back");
        try
        {
            await rollback(member, cancellation);
            await context.WaitComponentHealthyAsync(component.Id, healthWithin, cancellation);
            progress($"{host.Name} rolled back and {component.Id} is healthy again");
            return (true, $"{host.Name} was rolled back to what it ran before and {component.Id} is healthy again. Fix: journalctl -u {member.Units[0].Name} on {host.Name} shows why the new version did not come up.");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            return (false, $"The roll back of {host.Name} failed too: {context.Masker.Mask(e.Message)} Fix: journalctl -u {member.Units[0].Name} on {host.Name}; datalyptica verify {context.Directory} --component {component.Id}.");
        }
    }
}

/// <summary>
/// What a rolling run does to each member: <see cref="Restart"/> (its units restarted, or an upgrade's install and
/// restart), <see cref="Rollback"/> (an upgrade's way back when the member fails its gate; null: none) and how the
/// progress line describes the restart.
/// </summary>
public sealed record MemberSteps(Func<RestartMember, CancellationToken, Task> Restart, Func<RestartMember, CancellationToken, Task>? Rollback,
    Func<RestartMember, string> Describe)
{
    /// <summary>Each step a shell command run on the member (bounded like any restart command).</summary>
    public static MemberSteps Commands(DrillContext context, Func<RestartMember, string> restartCommand, Func<RestartMember, string>? rollbackCommand,
        Func<RestartMember, string>? describe) =>
        new(Run(context, restartCommand), rollbackCommand is null ? null : Run(context, rollbackCommand), describe ?? restartCommand);

    private static Func<RestartMember, CancellationToken, Task> Run(DrillContext context, Func<RestartMember, string> command) =>
        (member, cancellation) => context.RunCheckedAsync(member.Host, command(member), cancellation, TimeSpan.FromSeconds(ComponentRestart.RestartCommandTimeoutSeconds));
}

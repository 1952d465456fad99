using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Drilling;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Model;
using Datalyptica.Restarts;

namespace Datalyptica.Departures;

/// <summary>A component whose roles the host leaves: its units there (to stop and disable) and the unit files the site rendered (to delete).</summary>
public sealed record DepartingComponent(ComponentDefinition Component, IReadOnlyList<RoleDefinition> Roles, IReadOnlyList<UnitSpec> Units, IReadOnlyList<string> UnitFiles)
{
    /// <summary>The units systemd keeps enabled: a scheduled job's timer, else the unit.</summary>
    public IReadOnlyList<string> ManagedUnits => Units.Select(u => u.ManagedName).ToList();
}

/// <summary>
/// What `hosts remove` (and `scale` in) does to take a host out of some or all of its groups: the components it leaves
/// and why any of them cannot leave this way. Pure: built from the site before and after the
/// inventory edit, so it can be shown before anything is touched.
/// </summary>
public sealed record DeparturePlan(Host Host, bool LeavesSite, IReadOnlyList<DepartingComponent> Components, IReadOnlyList<string> Refusals)
{
    public bool Refused => Refusals.Count > 0;
}

/// <summary>
/// A host leaving some of its groups, or the site, with the clusters serving throughout. In order:
/// <list type="number">
/// <item>each departing member that leads hands over first (its unit's <see cref="UnitSpec.HandOver"/>, as `restart` does);</item>
/// <item>each role's <see cref="MemberDeparture.Drain"/> runs on the host;</item>
/// <item>its units are stopped and disabled, the unit files the site rendered there are deleted (the plan's <c>-</c> lines);</item>
/// <item>each role's <see cref="MemberDeparture.AfterLeave"/> runs on the remaining members (Sentinels forget it);</item>
/// <item>the caller writes the inventory and applies the site to the hosts that stay (member lists, firewall sets, scrape targets);</item>
/// <item>every component the host left must be healthy with the site as it is now.</item>
/// </list>
/// Packages and data stay on the host (a departed host is wiped or rebuilt, never half-erased by a tool).
/// </summary>
public static class HostDeparture
{
    /// <summary>The departure of <paramref name="hostName"/> from the site <paramref name="before"/> to the site <paramref name="after"/>.</summary>
    public static DeparturePlan Plan(Site before, Site after, string hostName)
    {
        var host = before.Hosts.Single(h => h.Name == hostName);
        var stays = after.Hosts.FirstOrDefault(h => h.Name == hostName);
        var components = new List<DepartingComponent>();
        var refusals = new List<string>();
        // The reverse of the install order: what depends on a component stops before it.
        foreach (var component in ComponentCatalog.All.Reverse())
        {
            var leaving = component.Roles.Where(r => host.Has(r) && (stays is null || !stays.Has(r))).ToList();
            if (leaving.Count == 0) continue;
            foreach (var role in leaving)
                if (component.DepartureOf(role).Refused is { } why) refusals.Add($"{host.Name} cannot leave {role.Group} ({component.DisplayName}): {why}");
            var (unitsBefore, filesBefore) = ComponentRestart.UnitsOn(before, host, component);
            var (unitsAfter, filesAfter) = stays is null ? ([], []) : ComponentRestart.UnitsOn(after, stays, component);
            components.Add(new DepartingComponent(component, leaving,
                unitsBefore.Where(u => unitsAfter.All(a => a.Name != u.Name)).ToList(),
                filesBefore.Except(filesAfter, StringComparer.Ordinal).ToList()));
        }
        return new DeparturePlan(host, stays is null, components, refusals);
    }

    /// <summary>The plan as lines a person reads before saying yes: drains, the <c>-</c> deletions, the steps after.</summary>
    public static IReadOnlyList<string> Describe(Site before, DeparturePlan plan, bool hostGone)
    {
        var host = plan.Host.Name;
        var lines = new List<string>();
        var skipped = hostGone ? " (skipped: --host-gone)" : "";
        foreach (var c in plan.Components)
        {
            var member = new RestartMember(plan.Host, c.Units.Where(u => !u.StartedByTimer).ToList());
            if (ComponentRestart.HandOverDescription(before, member) is { } handOver)
                lines.Add($"  {host}: if it leads {c.Component.Id}, {handOver} first{skipped}");
            foreach (var step in c.Roles.SelectMany(r => c.Component.DepartureOf(r).Drain))
                lines.Add($"  {host}: drain {c.Component.Id}: {step.Description}{skipped}");
        }
        foreach (var c in plan.Components.Where(c => c.Units.Count > 0 || c.UnitFiles.Count > 0))
        {
            foreach (var unit in c.ManagedUnits) lines.Add($"  - {host}: unit {unit} (stop, disable){skipped}");
            foreach (var file in c.UnitFiles) lines.Add($"  - {host}: {file}{skipped}");
        }
        foreach (var c in plan.Components)
            foreach (var step in c.Roles.SelectMany(r => c.Component.DepartureOf(r).AfterLeave))
                lines.Add($"  then on each remaining {step.RemainingRole?.Group ?? c.Component.Id} host: {step.Description}");
        return lines;
    }

    /// <summary>
    /// Steps 1-3 on the host, with the site as it was: hand-overs, drains, units stopped and disabled and their unit files
    /// deleted. Throws (<see cref="DrillException"/> or a transport error) at the first step that fails; what ran before
    /// it is reported through <paramref name="progress"/>, and nothing has been removed from the inventory yet.
    /// </summary>
    public static async Task VacateAsync(DrillContext before, DeparturePlan plan, TimeSpan healthWithin, Action<string> progress, CancellationToken cancellation)
    {
        var host = plan.Host;
        foreach (var c in plan.Components)
        {
            var member = new RestartMember(host, c.Units.Where(u => !u.StartedByTimer).ToList());
            if (member.Units.Count > 0 && await ComponentRestart.LeadsAsync(before, member, cancellation))
                await ComponentRestart.HandOverAsync(before, c.Component, member, healthWithin, progress, cancellation);
            foreach (var step in c.Roles.SelectMany(r => c.Component.DepartureOf(r).Drain))
            {
                progress($"{host.Name}: drain {c.Component.Id}: {step.Description}");
                await RunStepAsync(before, host, step.Command(before.Site, host, host), step, cancellation);
            }
        }
        foreach (var c in plan.Components.Where(c => c.Units.Count > 0 || c.UnitFiles.Count > 0))
        {
            progress($"{host.Name}: {c.Component.Id}: stopping and disabling {string.Join(", ", c.ManagedUnits)}");
            await before.RunCheckedAsync(host, StopCommand(c), cancellation, TimeSpan.FromSeconds(StopTimeoutSeconds));
        }
    }

    /// <summary>
    /// Step 4, with the site as it was: each role's <see cref="MemberDeparture.AfterLeave"/> on every member that stays,
    /// one member at a time (the departed member is stopped, or lost with --host-gone).
    /// </summary>
    public static async Task ForgetAsync(DrillContext before, DeparturePlan plan, Action<string> progress, CancellationToken cancellation)
    {
        foreach (var c in plan.Components)
            foreach (var step in c.Roles.SelectMany(r => c.Component.DepartureOf(r).AfterLeave))
                foreach (var member in before.Site.Hosts.Where(h => step.RemainingRole is { } role && h.Has(role) && h.Name != plan.Host.Name))
                {
                    progress($"{member.Name}: {c.Component.Id}: {step.Description}");
                    await RunStepAsync(before, member, step.Command(before.Site, plan.Host, member), step, cancellation);
                }
    }

    /// <summary>Step 6, with the site as it is now (written and applied without the host): every component it left is healthy.</summary>
    public static async Task SettleAsync(DrillContext after, DeparturePlan plan, TimeSpan healthWithin, Action<string> progress, CancellationToken cancellation)
    {
        foreach (var component in plan.Components.Select(c => c.Component).Where(after.Site.Deploys))
        {
            await after.WaitComponentHealthyAsync(component.Id, healthWithin, cancellation);
            progress($"{component.Id} healthy without {plan.Host.Name}");
        }
    }

    /// <summary>
    /// Stops and disables the units (a unit that is not loaded is no error: the package may never have been installed),
    /// deletes the unit files and drop-ins the site rendered, and reloads systemd when any was deleted.
    /// </summary>
    public static string StopCommand(DepartingComponent c)
    {
        var parts = new List<string>();
        if (c.ManagedUnits.Count > 0)
            parts.Add($"for u in {string.Join(' ', c.ManagedUnits.Select(RemoteCommand.Quote))}; do " +
                      "if systemctl cat -- \"$u\" >/dev/null 2>&1; then systemctl disable --now -- \"$u\" || exit 1; fi; done");
        if (c.UnitFiles.Count > 0)
            parts.Add($"rm -f -- {string.Join(' ', c.UnitFiles.Select(RemoteCommand.Quote))} && systemctl daemon-reload");
        return string.Join(" && ", parts);
    }

    private const int StopTimeoutSeconds = 600;

    private static async Task RunStepAsync(DrillContext context, Host host, string command, DepartureStep step, CancellationToken cancellation)
    {
        var result = await context.RunAsync(host, command, cancellation, TimeSpan.FromSeconds(step.TimeoutSeconds));
        if (!result.Succeeded)
            throw new DrillException($"{host.Name}: {step.Description} did not succeed within {step.TimeoutSeconds} s (exit {result.ExitCode}): " +
                context.Masker.Mask(Contracts.Health.ProbeKit.Tail(result.Stderr + result.Stdout, 400)));
    }
}

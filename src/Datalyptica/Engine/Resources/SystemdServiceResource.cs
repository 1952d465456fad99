using Datalyptica.Contracts;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Facts;

namespace Datalyptica.Engine.Resources;

public enum ServiceState
{
    /// <summary>Enabled and running.</summary>
    Running,
    /// <summary>A distro default the platform replaces (postgresql when Patroni owns PostgreSQL): stopped and masked.</summary>
    Masked,
}

/// <summary>
/// A systemd service: enabled and running, restarted ONLY when one of its own inputs (its component's files, packages,
/// artifact) changed in this plan, with daemon-reload first when one of its unit files changed.
/// </summary>
public sealed record SystemdServiceResource(string Unit, string Component) : IResource
{
    public ServiceState State { get; init; } = ServiceState.Running;
    /// <summary>Resource ids whose change means this service must restart.</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];
    /// <summary>Resource ids of its unit file and drop-ins: a change needs daemon-reload.</summary>
    public IReadOnlyList<string> UnitFiles { get; init; } = [];
    /// <summary>
    /// Inputs the running service re-reads on `systemctl reload` (SIGHUP): when only these changed, the service is
    /// reloaded, not restarted. Patroni and HAProxy: a restart on every member at once cost a failover on the lab.
    /// </summary>
    public IReadOnlyList<string> ReloadInputs { get; init; } = [];
    /// <summary>Why the distro unit is masked, shown in the plan.</summary>
    public string? MaskReason { get; init; }
    /// <summary>Members of a quorum or HA pair restart one at a time and wait until healthy (null: restart freely).</summary>
    public RollingRestart? Rolling { get; init; }

    public string Id => $"service:{Unit}";

    public void Require(FactQuery query) => query.Unit(Unit);

    public ResourcePlan Plan(HostFacts facts, PlanContext context)
    {
        var fact = facts.Unit(Unit);
        var unit = RemoteCommand.Quote(Unit);
        if (State == ServiceState.Masked)
        {
            if (fact.IsMasked && !fact.IsActive) return ResourcePlan.Noop("masked and stopped");
            return ResourcePlan.Of(new Change(ChangeAction.Update, $"{fact.Enabled}/{fact.Active} -> masked, stopped{(MaskReason is null ? "" : ": " + MaskReason)}")
                { Steps = [PlanStep.Run($"systemctl disable --now {unit} >/dev/null 2>&1; systemctl mask --now {unit}")] });
        }

        var reload = UnitFiles.Any(context.Changed.Contains) || fact.NeedsReload;
        var changedInputs = Inputs.Where(context.Changed.Contains).ToList();
        var steps = new List<PlanStep>();
        var what = new List<string>();
        if (reload) { steps.Add(PlanStep.Run("systemctl daemon-reload")); what.Add(fact.NeedsReload && !UnitFiles.Any(context.Changed.Contains) ? "systemd has not loaded its unit file yet: daemon-reload" : "unit file changed: daemon-reload"); }
        if (fact.IsMasked) { steps.Add(PlanStep.Run($"systemctl unmask {unit}")); what.Add("unmask"); }
        if (!fact.IsEnabled) { steps.Add(PlanStep.Run($"systemctl enable {unit}")); what.Add($"enable ({fact.Enabled})"); }
        var action = ChangeAction.Update;
        // A unit that failed its starts too often is refused by systemd ("Start request repeated too quickly") until its
        // failed state is cleared: seen on the lab when an upgrade's member was rolled back to the version that runs.
        if (!fact.IsActive && fact.Active == "failed") { steps.Add(PlanStep.Run($"systemctl reset-failed {unit}")); what.Add("reset-failed"); }
        if (!fact.IsActive) { steps.Add(PlanStep.Run($"systemctl start {unit}")); what.Add($"start ({fact.Active})"); }
        else if (changedInputs.Count > 0 && !reload && changedInputs.All(ReloadInputs.Contains))
        {
            steps.Add(PlanStep.Run($"systemctl reload {unit}"));
            what.Add($"reload: {string.Join(", ", changedInputs)} changed");
        }
        else if (changedInputs.Count > 0)
        {
            steps.Add(PlanStep.Run($"systemctl restart {unit}"));
            what.Add($"restart: {string.Join(", ", changedInputs)} changed");
            action = ChangeAction.Restart;
            if (Rolling is not null)
            {
                steps.Add(Rolling.WaitStep(Unit));
                what.Add($"rolling: one {Rolling.Group} member at a time, each healthy within {Rolling.TimeoutSeconds} s before the next");
                if (Rolling.LeaderCheck is not null) what.Add("the leader last");
            }
        }
        if (steps.Count == 0) return ResourcePlan.Noop("enabled and running; none of its inputs changed");
        // A first start is not rolled: etcd and ZooKeeper members only become healthy once a majority has started.
        return ResourcePlan.Of(new Change(action, string.Join("; ", what))
            { Steps = steps, RollingGroup = action == ChangeAction.Restart ? Rolling?.Group : null,
              RollingLeaderCheck = action == ChangeAction.Restart ? Rolling?.LeaderCheck : null });
    }
}

public static class RollingRestartSteps
{
    /// <summary>The step that waits after a restart: the judged probe when there is a judge, else the polling shell loop.</summary>
    public static PlanStep WaitStep(this RollingRestart rolling, string unit) => rolling.Judge is null ? PlanStep.Run(rolling.WaitCommand(unit))
        : PlanStep.Await($"bash -c {RemoteCommand.Quote(rolling.HealthCheck)}", rolling.Judge.Id, rolling.TimeoutSeconds, rolling.NotHealthy(unit));
}

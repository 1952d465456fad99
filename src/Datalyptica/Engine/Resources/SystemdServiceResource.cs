using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Transport;

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

/// <summary>
/// How a member of <paramref name="Group"/> proves it is back after a restart: <paramref name="HealthCheck"/> is a bash
/// command (bash for /dev/tcp: no client tool needed) run on the member itself that exits 0 once it serves again (etcd: /health; ZooKeeper: leader or follower;
/// Redis: a primary, or a replica whose link is up). Reads only; never prints a secret.
/// </summary>
public sealed record RollingRestart(string Group, string HealthCheck, int TimeoutSeconds = 120)
{
    /// <summary>
    /// A read-only bash command run on the member just before its turn, exiting 0 when the member leads its group (etcd
    /// leader, ZooKeeper leader, Redis primary). Apply restarts the other members first and a leader last, so the group
    /// goes through at most one election. Null: members take turns in any order.
    /// </summary>
    public string? LeaderCheck { get; init; }

    /// <summary>
    /// When set, <see cref="HealthCheck"/> is a probe whose output this judge reads (the component's own C# judge, the one
    /// verify uses), instead of a check that exits 0 when healthy.
    /// </summary>
    public Contracts.OutputJudge? Judge { get; init; }

    /// <summary>The step that waits after a restart: the judged probe when there is a judge, else the polling shell loop.</summary>
    public PlanStep WaitStep(string unit) => Judge is null ? PlanStep.Run(WaitCommand(unit))
        : PlanStep.Await($"bash -c {RemoteCommand.Quote(HealthCheck)}", Judge.Id, TimeoutSeconds, NotHealthy(unit));

    private string NotHealthy(string unit) => $"{unit} restarted but did not answer healthy within {TimeoutSeconds} s; " +
        $"no other {Group} member is restarted until it does. Fix: journalctl -u {unit} on this host, then apply again.";

    /// <summary>Polls the check every second; after the limit it fails the step and says what did not come back.</summary>
    public string WaitCommand(string unit)
    {
        var check = RemoteCommand.Quote(HealthCheck);
        var why = RemoteCommand.Quote(NotHealthy(unit));
        return $"i=0; until bash -c {check} >/dev/null 2>&1; do i=$((i+1)); if [ $i -ge {TimeoutSeconds} ]; then echo {why} >&2; exit 1; fi; sleep 1; done";
    }
}

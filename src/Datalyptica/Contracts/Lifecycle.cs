using Datalyptica.Contracts.Hosts;
using Datalyptica.Model;

namespace Datalyptica.Contracts;

/// <summary>Where a systemd unit's file comes from, which also decides on which hosts it is managed.</summary>
public enum UnitSource
{
    /// <summary>A Debian package ships the unit; it is managed on every host that runs the component.</summary>
    Package,
    /// <summary>A Debian package ships the unit and we render a drop-in for it; managed on the hosts that get the drop-in.</summary>
    PackageWithDropIn,
    /// <summary>We render the unit file itself; managed on the hosts that get the file.</summary>
    Rendered,
}

/// <summary>What a running unit needs when one of its configuration files changes.</summary>
public enum OnConfigChange
{
    /// <summary>systemctl restart (rolling when the unit declares a rolling group).</summary>
    Restart,
    /// <summary>
    /// systemctl reload (SIGHUP) when only configuration files changed, restart when a package, artifact or unit file
    /// changed. Patroni (PostgreSQL parameters that need a restart show as pending in Patroni instead) and HAProxy
    /// (Debian's unit reloads seamlessly): a restart on every member at once cost a failover on the lab.
    /// </summary>
    Reload,
}

/// <summary>
/// One systemd unit a component runs. <see cref="Reads"/> narrows which of the component's files restart it (null:
/// all of them); <see cref="Rolling"/> makes members restart one at a time behind a health gate; <see cref="RunsAs"/>
/// names the account when it is not the component's own (a packaged exporter runs as prometheus).
/// </summary>
public sealed record UnitSpec(string Name, UnitSource Source, OnConfigChange OnConfigChange)
{
    /// <summary>File-path prefixes this unit reads; a change elsewhere in its component does not restart it. Null: every file.</summary>
    public IReadOnlyList<string>? Reads { get; init; }
    /// <summary>The unit's rolling group and health gate on a host (null: members restart freely).</summary>
    public Func<Site, Host, RollingRestart>? Rolling { get; init; }
    /// <summary>The account the unit's process runs as when it is not the component's <see cref="ComponentLifecycle.Account"/>.</summary>
    public ServiceAccount? RunsAs { get; init; }
    /// <summary>
    /// How <c>datalyptica restart</c> moves leadership off this unit's member before restarting it (Patroni switchover,
    /// Sentinel failover). Null: a member that leads (<see cref="RollingRestart.LeaderCheck"/>) restarts last, as is.
    /// </summary>
    public Func<Site, Host, LeaderHandOver>? HandOver { get; init; }
    /// <summary>
    /// A oneshot job that its own <c>NAME.timer</c> starts on a schedule (systemd.timer): both files are rendered; apply
    /// enables and starts the timer (restarting it when its files change, which never runs the job) and never starts the
    /// job itself; <c>datalyptica restart</c> leaves both alone. A scheduled backup must not run because a file changed.
    /// </summary>
    public bool StartedByTimer { get; init; }

    /// <summary>The unit apply keeps enabled and running: the timer of a scheduled job, else the unit itself.</summary>
    public string ManagedName => StartedByTimer ? Name + ".timer" : Name;
}

/// <summary>
/// A controlled hand-over of leadership before a planned restart of the leader, so clients see one orderly switch instead
/// of a failover. <see cref="LeaderCheck"/> (read-only bash) exits 0 while the member leads; <see cref="Command"/> (bash,
/// run on the member) asks the cluster to move leadership to a healthy member; the restart waits until the check fails
/// (at most <see cref="TimeoutSeconds"/>). Neither may hold a secret: read one from a file on the host.
/// </summary>
public sealed record LeaderHandOver(string LeaderCheck, string Command, string Description)
{
    public int TimeoutSeconds { get; init; } = 60;
}

/// <summary>A distribution unit the component replaces: stopped and masked, with the reason shown in the plan.</summary>
public sealed record ReplacedUnit(string Unit, string Why);

/// <summary>When a component's guarded command runs relative to its services.</summary>
public enum CommandPhase
{
    /// <summary>
    /// After the component's services (a running service is talked to: Patroni's DCS push, Sentinel's SET). The
    /// command's run does not restart anything.
    /// </summary>
    AfterServices,
    /// <summary>
    /// A first-start step: after the component's packages, artifact, folders, files and accounts, before its units start
    /// (Kafka's storage format, Keycloak's build, a schema migration). When it runs, the units it names in
    /// <see cref="GuardedCommand.Restarts"/> (null: all of the component's units) restart after it, so a re-run (a changed
    /// build option) takes effect.
    /// </summary>
    BeforeServices,
}

/// <summary>
/// A command a component needs besides its files and units, run only when its read-only guard <see cref="Unless"/>
/// fails (or when one of <see cref="OnChangeOfFiles"/> changed). <see cref="UnlessFailed"/> says in the plan what a failed
/// guard means. <see cref="When"/> places it before or after the component's services. The command and its guard are
/// shown in plans and journals: neither may hold a secret (a placeholder is refused); a command that needs one reads it
/// from a rendered 0600/0640 file on the host, and a guard prints nothing (its output is discarded).
/// </summary>
public sealed record GuardedCommand(string Name, string Command, string Unless, string UnlessFailed)
{
    /// <summary>Rendered file paths whose change runs the command by itself (at plan time a guard still reads the old file).</summary>
    public IReadOnlyList<string> OnChangeOfFiles { get; init; } = [];
    /// <summary>Before or after the component's services (default: after).</summary>
    public CommandPhase When { get; init; } = CommandPhase.AfterServices;
    /// <summary>
    /// Once per cluster: only the first member of this role in inventory order runs the command (deterministic), and in
    /// apply the component's services on the other members wait until it has run (or fail when it failed). Declare it on
    /// every member: the planner picks the one. Null: every host that declares it runs it.
    /// </summary>
    public RoleDefinition? OnOneMemberOf { get; init; }
    /// <summary>With <see cref="CommandPhase.BeforeServices"/>: the units a run restarts (null: every unit of the component).</summary>
    public IReadOnlyList<string>? Restarts { get; init; }

    /// <summary>
    /// "Run once per version on one member before the others start" (a schema migration): the command runs on the first
    /// member of <paramref name="role"/> before its services, guarded by a stamp file holding <paramref name="version"/>
    /// (written only when the command succeeded), so it runs again exactly when the pinned version changes. The stamp
    /// belongs in the component's data folder (root may write it; the service need not read it).
    /// </summary>
    public static GuardedCommand OncePerVersion(string name, string command, string stampFile, string version, RoleDefinition role)
    {
        var stamp = RemoteCommand.Quote(stampFile);
        var v = RemoteCommand.Quote(version);
        return new GuardedCommand(name, $"( {command} ) && printf '%s\\n' {v} > {stamp}",
            $"[ \"$(cat {stamp} 2>/dev/null)\" = {v} ]", $"{stampFile} does not say {version}")
        { When = CommandPhase.BeforeServices, OnOneMemberOf = role };
    }
}

/// <summary>
/// How a component lives on its hosts: the account it runs as, its units (source, reload or restart, inputs, rolling
/// group), the distribution units it replaces and extra guarded commands. Declared in the component's folder; the desired
/// state only combines these declarations.
/// </summary>
public sealed record ComponentLifecycle
{
    /// <summary>The component's service account (sysusers, tmpfiles owners); null only for the OS base, whose units each name theirs.</summary>
    public required ServiceAccount? Account { get; init; }
    public required IReadOnlyList<UnitSpec> Units { get; init; }
    public IReadOnlyList<ReplacedUnit> Replaces { get; init; } = [];
    /// <summary>
    /// Extra guarded commands on a host that runs the component: first-start steps (<see cref="CommandPhase.BeforeServices"/>)
    /// and commands against the running service (<see cref="CommandPhase.AfterServices"/>).
    /// </summary>
    public Func<Site, Host, IEnumerable<GuardedCommand>>? Commands { get; init; }

    /// <summary>The account <paramref name="unit"/> runs as: its own, else the component's.</summary>
    public ServiceAccount? AccountOf(UnitSpec unit) => unit.RunsAs ?? Account;
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

    /// <summary>Why the wait after restarting <paramref name="unit"/> failed, and what to do.</summary>
    public string NotHealthy(string unit) => $"{unit} restarted but did not answer healthy within {TimeoutSeconds} s; " +
        $"no other {Group} member is restarted until it does. Fix: journalctl -u {unit} on this host, then apply again.";

    /// <summary>Polls the check every second; after the limit it fails the step and says what did not come back.</summary>
    public string WaitCommand(string unit)
    {
        var check = RemoteCommand.Quote(HealthCheck);
        var why = RemoteCommand.Quote(NotHealthy(unit));
        return $"i=0; until bash -c {check} >/dev/null 2>&1; do i=$((i+1)); if [ $i -ge {TimeoutSeconds} ]; then echo {why} >&2; exit 1; fi; sleep 1; done";
    }
}

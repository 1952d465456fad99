using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Etcd;

/// <summary>etcd: Raft consensus for Patroni.</summary>
public sealed class EtcdComponent : ComponentDefinition
{
    public static readonly PortSpec Client = new("client", 2379, "etcd_client_port");
    public static readonly PortSpec Peer = new("peer", 2380, "etcd_peer_port");
    /// <summary>Plain-HTTP /metrics and /health for Prometheus, so scrapes need no client certificate (etcd's listen-metrics-urls).</summary>
    public static readonly PortSpec Metrics = new("metrics", 2381, "etcd_metrics_port");

    /// <summary>
    /// Rolling restarts wait for the member's /health on its metrics listener: "true" only once it has a leader again, as
    /// <see cref="EtcdHealth.ServingJudge"/> reads it (verify's reading of /health).
    /// </summary>
    public static Contracts.RollingRestart Rolling(Host host) => new("etcd",
        $"exec 3<>/dev/tcp/{host.Address}/{host.Port(Metrics)} && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3") { Judge = EtcdHealth.ServingJudge };

    public static readonly RoleDefinition Member = Role("etcd", "Raft member", new(1, 2, 20),
        new(3, MustBeOdd: true, Maximum: 7, Why: "Raft needs a majority; an even count adds no fault tolerance"),
        Client, Peer, Metrics);

    public override string Id => "etcd";
    public override string DisplayName => "etcd";
    public override Tier Tier => Tier.Coordination;
    public override string DefaultVersion => "3.5.16";
    public override InstallSource Install => InstallSource.DistroPackage;
    public override Contracts.ComponentLifecycle Lifecycle => EtcdLifecycle.Declaration;
    public override IReadOnlyList<RoleDefinition> Roles => [Member];
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new EtcdRenderer();
    public override Contracts.Health.IHealthProbe? Health { get; } = new EtcdHealth();
    public override IReadOnlyList<Contracts.SettingSpec> Settings => EtcdSettings.All;
    public override IReadOnlyList<Contracts.IValidationRule> ValidationRules => [new EtcdTimingRule()];
    public override IReadOnlyList<Contracts.IDrill> Drills => EtcdDrills.All;
    public override IReadOnlyList<Contracts.OutputJudge> OutputJudges => [EtcdHealth.ServingJudge];
    public override IReadOnlyList<string> DebianPackages => ["etcd-server", "etcd-client"];
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => EtcdAccess.Firewall;
    public override IReadOnlyList<Contracts.ScrapeJob> ScrapeJobs => EtcdMonitoring.Jobs;
    public override IReadOnlyList<Contracts.AlertGroup> Alerts => EtcdMonitoring.Alerts;

    /// <summary>
    /// etcd's membership is its Raft configuration: a member leaves through `etcdctl member remove` on a remaining member
    /// before it stops (etcd docs, "Runtime reconfiguration"), which hosts remove does not run yet.
    /// </summary>
    public override Contracts.MemberDeparture DepartureOf(Contracts.RoleDefinition role) => new()
    {
        Refused = "etcd's membership is its Raft configuration, which hosts remove does not change yet. Fix: keep the host in the etcd group " +
                  "(an etcd member that leaves needs `etcdctl member remove ID` on a remaining member first; etcd docs, Runtime reconfiguration).",
    };
}

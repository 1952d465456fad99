using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.ZooKeeper;

/// <summary>
/// Apache ZooKeeper for Spark and Flink HA. The seed promised "no ZooKeeper", but ClickHouse Keeper 24.x
/// rejects the create2 and container-node requests that Flink 1.20's Curator 5 and Spark's leader latch send,
/// so a dedicated ensemble runs on the coordination tier.
/// </summary>
public sealed class ZooKeeperComponent : ComponentDefinition
{
    public static readonly PortSpec Client = new("client", 2181, "zookeeper_client_port");

    /// <summary>Rolling restarts wait until the member is back in the ensemble (srvr: leader or follower, not just listening; <see cref="ZooKeeperHealth.ServingJudge"/>).</summary>
    public static Contracts.RollingRestart Rolling(Host host) => new("zookeeper",
        $"exec 3<>/dev/tcp/{host.Address}/{host.Port(Client)} && printf srvr >&3 && cat <&3") { Judge = ZooKeeperHealth.ServingJudge };
    public static readonly PortSpec Quorum = new("quorum", 2888, "zookeeper_quorum_port");
    public static readonly PortSpec Election = new("election", 3888, "zookeeper_election_port");

    public static readonly RoleDefinition Member = Role("zookeeper", "ensemble member", new(0.5, 1, 10),
        new(3, MustBeOdd: true, Maximum: 7, Why: "ZAB needs a majority; an even count adds no fault tolerance"),
        Client, Quorum, Election);

    public const string WhyNotKeeper =
        "ClickHouse Keeper 24.x cannot serve Spark/Flink HA: it rejects create2 (Flink 1.20's Curator 5) and container nodes (Spark's leader latch); see docs/TOPOLOGY.md";

    public override string Id => "zookeeper";
    public override IReadOnlyList<Contracts.IValidationRule> ValidationRules => [new ZooKeeperNoticeRule()];
    public override Diagnostics.Diagnostic? MissingDependencyFinding(Site site, ComponentDefinition dependent, Diagnostics.SourceRef? source) => ZooKeeperMissingFinding.For(site, dependent, source);
    public override string DisplayName => "ZooKeeper";
    public override Tier Tier => Tier.Coordination;
    public override string DefaultVersion => "3.8.4";
    public override InstallSource Install => InstallSource.DistroPackage;
    public override Contracts.ComponentLifecycle Lifecycle => ZooKeeperLifecycle.Declaration;
    public override IReadOnlyList<RoleDefinition> Roles => [Member];
    public override IReadOnlyList<Contracts.SettingSpec> Settings => ZooKeeperSettings.All;
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new ZooKeeperRenderer();
    public override Contracts.Health.IHealthProbe? Health { get; } = new ZooKeeperHealth();
    public override IReadOnlyList<Contracts.OutputJudge> OutputJudges => [ZooKeeperHealth.ServingJudge];
    public override IReadOnlyList<Contracts.IDrill> Drills => ZooKeeperDrills.All;
    public override IReadOnlyList<string> DebianPackages => ["zookeeper", "openjdk-17-jre-headless"];
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => ZooKeeperAccess.Firewall;
    public override Contracts.NotScraped? NotScraped => new("zookeeper: Debian's 3.8 package lacks the Prometheus metrics provider jars; health via 4lw ruok/mntr", 30);

    /// <summary>The ensemble's membership is static (zoo.cfg server.N lines on every member); a change is a rolling reconfiguration.</summary>
    public override Contracts.MemberDeparture DepartureOf(Contracts.RoleDefinition role) => new()
    {
        Refused = "ZooKeeper's ensemble is static (server.N in every member's zoo.cfg) and hosts remove does not reconfigure it yet. " +
                  "Fix: keep the host in the zookeeper group (ZooKeeper Administrator's Guide, Dynamic Reconfiguration, describes the change by hand).",
    };
}

using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.ClickHouse;

/// <summary>ClickHouse with ReplicatedMergeTree, coordinated by a ClickHouse Keeper ensemble.</summary>
public sealed class ClickHouseComponent : ComponentDefinition
{
    public static readonly PortSpec Http = new("http", 8123, "clickhouse_http_port");
    public static readonly PortSpec Native = new("native", 9000, "clickhouse_tcp_port");
    public static readonly PortSpec Interserver = new("interserver", 9009, "clickhouse_interserver_port");
    public static readonly PortSpec KeeperClient = new("keeper-client", 9181, "clickhouse_keeper_port");
    public static readonly PortSpec KeeperRaft = new("keeper-raft", 9234, "clickhouse_keeper_raft_port");

    public static readonly RoleDefinition Server = Role("clickhouse", "replica", new(2, 8, 200),
        new(2, Why: "ReplicatedMergeTree needs a second replica"), Http, Native, Interserver);
    public static readonly RoleDefinition Keeper = Role("clickhouse_keeper", "Keeper", new(1, 2, 20),
        new(3, MustBeOdd: true, Maximum: 7, Why: "Keeper's Raft needs a majority; an even count adds no fault tolerance"),
        KeeperClient, KeeperRaft);

    public override string Id => "clickhouse";
    public override string DisplayName => "ClickHouse";
    public override Tier Tier => Tier.Query;
    public override string DefaultVersion => "24.12.2.59";
    /// <summary>Keeper's unit works in (and may write only) its own folder under the data folder.</summary>
    public override IReadOnlyList<string> ServiceFolders(Model.Site site, Model.Host host) => host.Has(Keeper) ? [ClickHouseRenderer.KeeperDataDir] : [];
    public override InstallSource Install => InstallSource.Artifact;
    public override IReadOnlyList<ArtifactRelease> Releases => ClickHouseRelease.All;
    public override Contracts.ComponentLifecycle Lifecycle => ClickHouseLifecycle.Declaration;
    public override IReadOnlyList<RoleDefinition> Roles => [Server, Keeper];
    public override IReadOnlyList<Contracts.SettingSpec> Settings => ClickHouseSettings.All;
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new ClickHouseRenderer();
    public override IReadOnlyList<string> SecretKeys => ["vault_clickhouse_admin_password", "vault_clickhouse_interserver_password"];
    public override Contracts.Health.IHealthProbe? Health { get; } = new ClickHouseHealth();
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => ClickHouseAccess.Firewall;
    public override Contracts.NotScraped? NotScraped => new("clickhouse: its Prometheus endpoint (9363) is not a defined port of the ClickHouse component", 20);

    /// <summary>Keeper is a Raft ensemble (its membership is reconfigured, not just stopped); a server leaves like any other member.</summary>
    public override Contracts.MemberDeparture DepartureOf(Contracts.RoleDefinition role) => role == Keeper
        ? new() { Refused = "ClickHouse Keeper is a Raft ensemble whose membership hosts remove does not change yet. Fix: keep the host in the clickhouse_keeper group." }
        : Contracts.MemberDeparture.Plain;
}

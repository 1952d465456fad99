using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Keepalived;

/// <summary>Keepalived moves each virtual IP between load-balancer nodes with VRRP (IP protocol 112, no TCP port).</summary>
public sealed class KeepalivedComponent : ComponentDefinition
{
    public static readonly RoleDefinition Node = Role("keepalived", "VRRP node", new(0.1, 0.25),
        new(2, Why: "a VIP needs a backup node to move to"));

    public override string Id => "keepalived";
    public override IReadOnlyList<Contracts.IValidationRule> ValidationRules => [new VipRule()];
    public override string DisplayName => "Keepalived";
    public override Tier Tier => Tier.LoadBalancer;
    public override string DefaultVersion => "2.2";
    public override InstallSource Install => InstallSource.DistroPackage;
    public override Contracts.ComponentLifecycle Lifecycle => KeepalivedLifecycle.Declaration;
    public override IReadOnlyList<RoleDefinition> Roles => [Node];
    public override IReadOnlyList<Dependency> Requires => [new("haproxy", "the VRRP track script follows HAProxy's health")];
    public override IReadOnlyList<Contracts.SettingSpec> Settings => KeepalivedSettings.All;
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new KeepalivedRenderer();
    public override Contracts.Health.IHealthProbe? Health { get; } = new KeepalivedHealth();
    public override IReadOnlyList<Contracts.IDrill> Drills => KeepalivedDrills.All;
    public override IReadOnlyList<string> DebianPackages => ["keepalived"];
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => KeepalivedAccess.Firewall;
    public override Contracts.NotScraped? NotScraped => new("keepalived: no metrics endpoint (each node's notify script writes datalyptica_vip_held for node_exporter; haproxy is scraped)", 50);
    public override IReadOnlyList<Contracts.AlertGroup> Alerts => KeepalivedMonitoring.Alerts;
}

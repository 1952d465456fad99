using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Patroni;

/// <summary>Patroni manages PostgreSQL on the same hosts and keeps its leader lock in etcd.</summary>
public sealed class PatroniComponent : ComponentDefinition
{
    public static readonly PortSpec RestApi = new("patroni-rest", 8008, "patroni_rest_port");

    /// <summary>Same group as PostgreSQL: every PostgreSQL host is a Patroni member.</summary>
    public static readonly RoleDefinition Member = Role("postgresql", "Patroni member", new(0.25, 0.25),
        new(2, Why: "a synchronous standby needs a second member"), RestApi);

    public override string Id => "patroni";
    public override IReadOnlyList<Contracts.IValidationRule> ValidationRules => [new PatroniRule(), new PatroniStandbySiteRule(), new AppDatabasesRule()];
    public override string DisplayName => "Patroni";
    public override Tier Tier => Tier.Catalog;
    public override string DefaultVersion => "3.3.2";
    public override InstallSource Install => InstallSource.DistroPackage;
    public override Contracts.ComponentLifecycle Lifecycle => PatroniLifecycle.Declaration;
    public override IReadOnlyList<RoleDefinition> Roles => [Member];
    public override IReadOnlyList<Dependency> Requires => [new("etcd", "Patroni keeps its leader lock and cluster state in etcd")];
    public override IReadOnlyList<Contracts.SettingSpec> Settings => PatroniSettings.All;
    public override IReadOnlyList<string> SecretKeys => [PatroniRenderer.RestPasswordKey];
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new PatroniRenderer();
    public override Contracts.Health.IHealthProbe? Health { get; } = new PatroniHealth();
    public override IReadOnlyList<Contracts.IDrill> Drills => PatroniDrills.All;
    /// <summary>The DCS configuration (`patronictl edit-config` changes it; no file on any host shows it), read from the DCS itself.</summary>
    public override IReadOnlyList<LiveSetting> LiveSettings { get; } =
        [new("dcs-config", Member, LiveScope.AnyMember, (_, _) => $"patronictl -c {PatroniRenderer.ConfigPath} show-config") { Extension = "yaml" }];
    public override IReadOnlyList<string> DebianPackages => ["patroni", "python3-etcd3", "python3-psycopg2"];
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => PatroniAccess.Firewall;
    public override IReadOnlyList<Contracts.ScrapeJob> ScrapeJobs => PatroniMonitoring.Jobs;
    public override IReadOnlyList<Contracts.AlertGroup> Alerts => PatroniMonitoring.Alerts;
}

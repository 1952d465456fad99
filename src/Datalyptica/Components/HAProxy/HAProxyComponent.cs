using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.HAProxy;

/// <summary>HAProxy on every load-balancer node: PostgreSQL routing by Patroni role and the HTTPS front door.</summary>
public sealed class HAProxyComponent : ComponentDefinition
{
    // autobase's convention for PostgreSQL behind HAProxy.
    public static readonly PortSpec PostgresPrimary = new("postgres-primary", 5000, "haproxy_postgres_primary_port");
    public static readonly PortSpec PostgresReplicas = new("postgres-replicas", 5001, "haproxy_postgres_replicas_port");
    public static readonly PortSpec PostgresSync = new("postgres-sync", 5002, "haproxy_postgres_sync_port");
    public static readonly PortSpec PostgresAsync = new("postgres-async", 5003, "haproxy_postgres_async_port");
    public static readonly PortSpec Stats = new("stats", 7000, "haproxy_stats_port");
    public static readonly PortSpec Http = new("http", 80, "haproxy_http_port");
    public static readonly PortSpec Https = new("https", 443, "haproxy_https_port");
    public static readonly PortSpec Exporter = new("exporter", 9101, "haproxy_exporter_port");

    public static readonly RoleDefinition Node = Role("haproxy", "load balancer", new(1, 1),
        new(2, Why: "one HAProxy per VRRP node so the VIP always lands on a working proxy"),
        PostgresPrimary, PostgresReplicas, PostgresSync, PostgresAsync, Stats, Http, Https, Exporter,
        // Plain-HTTP service ports on the VIP that platform services use among themselves (declared with their owners).
        Nessie.NessieComponent.FrontDoor, Trino.TrinoComponent.FrontDoor);

    public override string Id => "haproxy";
    public override string DisplayName => "HAProxy";
    public override Tier Tier => Tier.LoadBalancer;
    public override string DefaultVersion => "2.9";
    public override InstallSource Install => InstallSource.DistroPackage;
    public override Contracts.ComponentLifecycle Lifecycle => HAProxyLifecycle.Declaration;
    public override IReadOnlyList<RoleDefinition> Roles => [Node];
    public override IReadOnlyList<Contracts.SettingSpec> Settings => HAProxySettings.All;
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new HAProxyRenderer();
    public override Contracts.Health.IHealthProbe? Health { get; } = new HAProxyHealth();
    public override IReadOnlyList<string> DebianPackages => ["haproxy"];
    public override IReadOnlyList<string> VersionedPackages(Site site) => DebianPackages;
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => HAProxyAccess.Firewall;
    public override IReadOnlyList<Contracts.ScrapeJob> ScrapeJobs => HAProxyMonitoring.Jobs;
    public override IReadOnlyList<Contracts.AlertGroup> Alerts => HAProxyMonitoring.Alerts;
}

using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Alertmanager;

/// <summary>Alertmanager: a gossip cluster (no quorum; every member dedupes).</summary>
public sealed class AlertmanagerComponent : ComponentDefinition
{
    public static readonly PortSpec Http = new("http", 9093, "alertmanager_port");
    public static readonly PortSpec Cluster = new("cluster", 9094, "alertmanager_cluster_port", PortProtocol.TcpAndUdp);

    public static readonly RoleDefinition Server = Role("alertmanager", "cluster peer", new(0.5, 0.5),
        new(2, Why: "peers gossip so one alert is sent once even if a peer fails"), Http, Cluster);

    public override string Id => "alertmanager";
    public override string DisplayName => "Alertmanager";
    public override Tier Tier => Tier.Monitoring;
    public override string DefaultVersion => "0.28.0";
    public override InstallSource Install => InstallSource.DistroPackage;
    public override Contracts.ComponentLifecycle Lifecycle => AlertmanagerLifecycle.Declaration;
    public override IReadOnlyList<RoleDefinition> Roles => [Server];

    public const string SmtpPasswordKey = "vault_alertmanager_smtp_password";
    public override IReadOnlyList<string> SecretKeys => [SmtpPasswordKey];
    public override IReadOnlyList<Contracts.SettingSpec> Settings => AlertmanagerSettings.All;
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new AlertmanagerRenderer();
    public override Contracts.Health.IHealthProbe? Health { get; } = new AlertmanagerHealth();
    public override IReadOnlyList<string> DebianPackages => ["prometheus-alertmanager"];
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => AlertmanagerAccess.Firewall;
    public override IReadOnlyList<Contracts.ScrapeJob> ScrapeJobs => AlertmanagerMonitoring.Jobs;
    public override IReadOnlyList<Contracts.AlertGroup> Alerts => AlertmanagerMonitoring.Alerts;
}

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
    public const string SmarthostKey = "alertmanager_smtp_smarthost";
    public const string EmailToKey = "alertmanager_email_to";
    public const string EmailFromKey = "alertmanager_email_from";
    public const string WebhookKey = "alertmanager_critical_webhook_url";
    public const string HeartbeatKey = "alertmanager_heartbeat_url";
    public override IReadOnlyList<string> SecretKeys => [SmtpPasswordKey];
    public override IReadOnlyList<string> SettingKeys => [SmarthostKey, EmailToKey, EmailFromKey, WebhookKey, HeartbeatKey];
    public override Rendering.IComponentRenderer? Renderer { get; } = new AlertmanagerRenderer();
    public override Verification.IHealthProbe? Health { get; } = new AlertmanagerHealth();
    public override IReadOnlyList<string> DebianPackages => ["prometheus-alertmanager"];
}

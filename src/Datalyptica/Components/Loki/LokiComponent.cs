using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Loki;

/// <summary>Loki: a memberlist ring with replication factor 3, chunks and index on S3.</summary>
public sealed class LokiComponent : ComponentDefinition
{
    public static readonly PortSpec Http = new("http", 3100, "loki_http_port");
    public static readonly PortSpec Grpc = new("grpc", 9095, "loki_grpc_port");
    public static readonly PortSpec Memberlist = new("memberlist", 7946, "loki_memberlist_port", PortProtocol.TcpAndUdp);

    public static readonly RoleDefinition Server = Role("loki", "ring member", new(2, 4, 100),
        new(3, Why: "replication factor 3 needs 3 ring members"), Http, Grpc, Memberlist);

    public override string Id => "loki";
    public override string DisplayName => "Loki";
    public override Tier Tier => Tier.Monitoring;
    public override string DefaultVersion => "3.3.2";
    public override InstallSource Install => InstallSource.Artifact;
    public override IReadOnlyList<ArtifactRelease> Releases => LokiRelease.All;
    public override Contracts.ComponentLifecycle Lifecycle => LokiLifecycle.Declaration;
    public override IReadOnlyList<RoleDefinition> Roles => [Server];
    public override string? NeedsObjectStore => "log chunks and the TSDB index live in the logs bucket";
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new LokiRenderer();
    public override IReadOnlyList<Contracts.SettingSpec> Settings => LokiSettings.All;
    public override Contracts.Health.IHealthProbe? Health { get; } = new LokiHealth();
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => LokiAccess.Firewall;
    public override IReadOnlyList<Contracts.ScrapeJob> ScrapeJobs => LokiMonitoring.Jobs;
}

using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Flink;

/// <summary>Flink standalone with ZooKeeper HA; checkpoints, savepoints and HA metadata on S3.</summary>
public sealed class FlinkComponent : ComponentDefinition
{
    public static readonly PortSpec Rest = new("rest", 8081, "flink_rest_port");
    public static readonly PortSpec Rpc = new("rpc", 6123, "flink_rpc_port");
    public static readonly PortSpec Blob = new("blob", 6124, "flink_blob_port");
    public static readonly PortSpec TaskManagerRpc = new("taskmanager-rpc", 6122, "flink_taskmanager_rpc_port");
    public static readonly PortSpec TaskManagerData = new("taskmanager-data", 6121, "flink_taskmanager_data_port");

    public static readonly RoleDefinition JobManager = Role("flink_jobmanager", "JobManager", new(1, 2),
        new(2, Why: "a standby JobManager takes over through ZooKeeper"), Rest, Rpc, Blob);
    public static readonly RoleDefinition TaskManager = Role("flink_taskmanager", "TaskManager", new(2, 8, 100),
        new(1), TaskManagerRpc, TaskManagerData);

    public override string Id => "flink";
    public override string DisplayName => "Flink";
    public override Tier Tier => Tier.Processing;
    /// <summary>The scratch folder (io.tmp.dirs) its units may write, on the first data disk.</summary>
    public override IReadOnlyList<string> ServiceFolders(Model.Site site, Model.Host host) => [FlinkRenderer.Scratch(host)];
    public override string DefaultVersion => "1.20.0";
    public override InstallSource Install => InstallSource.Artifact;
    public override IReadOnlyList<ArtifactRelease> Releases => FlinkRelease.All;
    public override Contracts.ComponentLifecycle Lifecycle => FlinkLifecycle.Declaration;
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new FlinkRenderer();
    public override IReadOnlyList<RoleDefinition> Roles => [JobManager, TaskManager];
    public override IReadOnlyList<Dependency> Requires =>
        [new("zookeeper", "JobManager HA on VMs needs a ZooKeeper quorum; etcd cannot serve it")];
    public override string? NeedsObjectStore => "checkpoints, savepoints and HA metadata live in the object store";
    public override IReadOnlyList<string> DebianPackages => ["openjdk-17-jre-headless"];
    public override Contracts.Health.IHealthProbe? Health { get; } = new FlinkHealth();
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => FlinkAccess.Firewall;
    public override Contracts.NotScraped? NotScraped => Prometheus.NotScrapedNotes.NoMetricsPort;
}

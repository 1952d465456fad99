using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Spark;

/// <summary>Spark standalone: masters with ZooKeeper recovery, workers, a history server.</summary>
public sealed class SparkComponent : ComponentDefinition
{
    public static readonly PortSpec MasterPort = new("master", 7077, "spark_master_port");
    public static readonly PortSpec MasterUi = new("master-ui", 8080, "spark_master_ui_port");
    public static readonly PortSpec WorkerPort = new("worker", 7078, "spark_worker_port");
    public static readonly PortSpec WorkerUi = new("worker-ui", 8081, "spark_worker_ui_port");
    public static readonly PortSpec HistoryUi = new("history-ui", 18080, "spark_history_port");

    public static readonly RoleDefinition Master = Role("spark_master", "standalone master", new(1, 2),
        new(2, Why: "a standby master takes over through ZooKeeper"), MasterPort, MasterUi);
    public static readonly RoleDefinition Worker = Role("spark_worker", "worker", new(2, 8, 100),
        new(1), WorkerPort, WorkerUi);
    public static readonly RoleDefinition History = Role("spark_history", "history server", new(1, 2),
        new(0), HistoryUi);

    public override string Id => "spark";
    public override string DisplayName => "Spark";
    public override Tier Tier => Tier.Processing;
    /// <summary>The scratch folder its units may write, on the first data disk.</summary>
    public override IReadOnlyList<string> ServiceFolders(Model.Site site, Model.Host host) => [SparkRenderer.Scratch(host)];
    public override string DefaultVersion => "3.5.4";
    public override InstallSource Install => InstallSource.Artifact;
    public override IReadOnlyList<ArtifactRelease> Releases => SparkRelease.All;
    public override Contracts.ComponentLifecycle Lifecycle => SparkLifecycle.Declaration;
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new SparkRenderer();
    public override IReadOnlyList<RoleDefinition> Roles => [Master, Worker, History];
    public override IReadOnlyList<Dependency> Requires =>
        [new("zookeeper", "standalone master HA needs a ZooKeeper quorum (recoveryMode=ZOOKEEPER); etcd cannot serve it")];
    public override string? NeedsObjectStore => "Iceberg tables and Spark event logs live in the object store";
    public override IReadOnlyList<string> DebianPackages => ["openjdk-17-jre-headless"];
    public override Contracts.Health.IHealthProbe? Health { get; } = new SparkHealth();
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => SparkAccess.Firewall;
    public override Contracts.NotScraped? NotScraped => Prometheus.NotScrapedNotes.NoMetricsPort;

    /// <summary>A worker drains by finishing the executors it runs (<see cref="SparkDeparture"/>).</summary>
    public override Contracts.MemberDeparture DepartureOf(Contracts.RoleDefinition role) => role == Worker ? SparkDeparture.Worker : Contracts.MemberDeparture.Plain;
}

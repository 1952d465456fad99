using Datalyptica.Components.ZooKeeper;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;

namespace Datalyptica.Components.Flink;

/// <summary>
/// Flink 1.20 standalone with ZooKeeper HA, from the pinned tarball (flink-s3-fs-presto copied to plugins/s3-fs-presto,
/// never lib/). conf/config.yaml is the standard-YAML file of Flink 1.19+; the 1.20 key names are used
/// (execution.checkpointing.*, state.backend.type), never mixed with the deprecated ones (FLINK-34255).
/// </summary>
public sealed class FlinkRenderer : IComponentRenderer
{
    public const string User = "flink";
    public const string ZooKeeperRoot = "/flink";

    public static readonly string ConfigDir = PlatformPaths.Config("flink");
    public static readonly string ConfigPath = $"{ConfigDir}/config.yaml";
    public static readonly string MastersPath = $"{ConfigDir}/masters";
    public static readonly string WorkersPath = $"{ConfigDir}/workers";
    public static readonly string Home = PlatformPaths.Current("flink");

    /// <summary>One Flink cluster per site: its id names its ZooKeeper subtree and its S3 prefixes.</summary>
    public static string ClusterId(Site site) => "/" + Sanitize(site.Name) + "-flink";

    public static string Sanitize(string name) =>
        new(name.ToLowerInvariant().Select(ch => char.IsAsciiLetterOrDigit(ch) ? ch : '-').ToArray());

    /// <summary>JobManager process: 3/4 of its RAM share, 1.6–8 GB (it schedules; state lives in the TaskManagers).</summary>
    public static int JobManagerProcessMb(Host host) =>
        Math.Clamp(RoleBudget.RamMb(host, FlinkComponent.JobManager) * 3 / 4, 1600, 8192) / 64 * 64;

    /// <summary>TaskManager process: its RAM share minus 1 GB for page cache and RocksDB's native slack (SETTINGS §5 heuristic).</summary>
    public static int TaskManagerProcessMb(Host host) =>
        Math.Max(1728, RoleBudget.RamMb(host, FlinkComponent.TaskManager) - 1024) / 64 * 64;

    public IEnumerable<RenderedFile> Render(RenderContext ctx)
    {
        var component = FlinkComponent.JobManager.Component;
        yield return ctx.File(component, ConfigPath, Config(ctx)) with { Group = User, Mode = Modes.Private };
        yield return ctx.File(component, MastersPath,
            string.Concat(ctx.Members(FlinkComponent.JobManager).Select(h => $"{h.Address}:{h.Port(FlinkComponent.Rest)}\n"))) with { Group = User };
        // Only start-cluster.sh and stop-cluster.sh read `workers` (our units start each process where it runs), and an
        // operator runs them on a JobManager: every TaskManager carrying the full list made the site's files grow as n².
        if (ctx.Has(FlinkComponent.JobManager))
            yield return ctx.File(component, WorkersPath,
                string.Concat(ctx.Members(FlinkComponent.TaskManager).Select(h => $"{h.Address}\n"))) with { Group = User };
        if (ctx.Has(FlinkComponent.JobManager))
            yield return Unit(ctx, "flink-jobmanager", "Flink JobManager", "jobmanager.sh", JobManagerProcessMb(ctx.Host));
        if (ctx.Has(FlinkComponent.TaskManager))
            yield return Unit(ctx, "flink-taskmanager", "Flink TaskManager", "taskmanager.sh", TaskManagerProcessMb(ctx.Host));
    }

    private static string Config(RenderContext ctx)
    {
        var h = ctx.Host;
        var store = ctx.ObjectStore;
        var id = ClusterId(ctx.Site);
        var state = $"s3://{store.Buckets["staging"]}/flink{id}";
        var savepoints = $"s3://{store.Buckets["backups"]}/flink{id}/savepoints";
        var zk = string.Join(',', ctx.Endpoints(ZooKeeperComponent.Member, ZooKeeperComponent.Client));
        var address = h.Address.ToString();
        var conf = new Dictionary<string, object?>
        {
            // HA: Apache ZooKeeper (ClickHouse Keeper 24.x rejects Curator 5's create2); ZooKeeper
            // keeps only pointers, the JobGraphs and checkpoint metadata live in storageDir.
            ["high-availability.type"] = "zookeeper",
            ["high-availability.zookeeper.quorum"] = zk,
            ["high-availability.zookeeper.path.root"] = ZooKeeperRoot,
            ["high-availability.cluster-id"] = id,
            ["high-availability.storageDir"] = $"{state}/ha",
            // In HA mode the JobManager RPC port is random unless pinned; pin it to this host's rpc port (firewall).
            ["high-availability.jobmanager.port"] = ctx.Port(FlinkComponent.Rpc).ToString(),
        };
        if (ctx.Has(FlinkComponent.JobManager))
        {
            conf["jobmanager.rpc.address"] = address;
            conf["jobmanager.rpc.port"] = ctx.Port(FlinkComponent.Rpc);
            conf["jobmanager.bind-host"] = address;
            conf["jobmanager.memory.process.size"] = $"{JobManagerProcessMb(h)}m";
            conf["rest.address"] = address;
            conf["rest.bind-address"] = address;
            // This host's REST port (development moves it to 8082 where Spark's worker UI holds 8081).
            conf["rest.port"] = ctx.Port(FlinkComponent.Rest);
            conf["blob.server.port"] = ctx.Port(FlinkComponent.Blob).ToString();
            conf["jobmanager.archive.fs.dir"] = $"{state}/completed-jobs";
            conf["web.tmpdir"] = $"{PlatformPaths.Data("flink")}/web";
        }
        if (ctx.Has(FlinkComponent.TaskManager))
        {
            conf["taskmanager.host"] = address;
            conf["taskmanager.bind-host"] = address;
            conf["taskmanager.rpc.port"] = ctx.Port(FlinkComponent.TaskManagerRpc).ToString();
            conf["taskmanager.data.port"] = ctx.Port(FlinkComponent.TaskManagerData);
            conf["taskmanager.memory.process.size"] = $"{TaskManagerProcessMb(h)}m";
            // One slot per vCPU this role has on the host (mem_setup_tm); RocksDB uses managed memory (fraction 0.4).
            conf["taskmanager.numberOfTaskSlots"] = RoleBudget.VCpu(h, FlinkComponent.TaskManager);
            conf["taskmanager.memory.managed.fraction"] = 0.4;
        }
        conf["state.backend.type"] = "rocksdb";
        conf["execution.checkpointing.incremental"] = true;
        conf["execution.checkpointing.dir"] = $"{state}/checkpoints";
        conf["execution.checkpointing.savepoint-dir"] = savepoints;
        conf["execution.checkpointing.interval"] = "60 s";
        conf["execution.checkpointing.mode"] = "EXACTLY_ONCE";
        conf["execution.checkpointing.externalized-checkpoint-retention"] = "RETAIN_ON_CANCELLATION";
        conf["execution.checkpointing.num-retained"] = 3;
        // The 1.19+ default with checkpointing on, set explicitly so it never depends on job code (FLINK-32895).
        conf["restart-strategy.type"] = "exponential-delay";
        conf["restart-strategy.exponential-delay.initial-backoff"] = "1 s";
        conf["restart-strategy.exponential-delay.max-backoff"] = "2 min";
        conf["restart-strategy.exponential-delay.backoff-multiplier"] = 2.0;
        conf["restart-strategy.exponential-delay.reset-backoff-threshold"] = "10 min";
        conf["restart-strategy.exponential-delay.jitter-factor"] = 0.1;
        // S3 through the presto plugin (recommended for checkpoints: deployment/filesystems/s3).
        conf["s3.endpoint"] = store.Endpoint;
        conf["s3.path.style.access"] = store.PathStyle;
        conf["s3.access-key"] = ctx.Secret(store.AccessKey.VarName);
        conf["s3.secret-key"] = ctx.Secret(store.SecretKey.VarName);
        conf["io.tmp.dirs"] = Scratch(h);
        conf["env.log.dir"] = PlatformPaths.Logs("flink");
        conf["env.pid.dir"] = $"{PlatformPaths.Data("flink")}/run";
        var header = $"Generated by datalyptica: Flink {ctx.Version(FlinkComponent.JobManager.Component)} on {h.Name} (cluster {id}).\n" +
                     "# Holds S3 credentials (placeholders resolved at apply time): readable by the flink group only.";
        return YamlText.Write(conf, header);
    }

    /// <summary>Flink's io.tmp.dirs: on the host's first data disk when it has one.</summary>
    public static string Scratch(Host h) =>
        h.Disks.Count == 0 ? $"{PlatformPaths.Data("flink")}/tmp" : $"{h.Disks[0].Mount.TrimEnd('/')}/datalyptica/flink/tmp";

    private static RenderedFile Unit(RenderContext ctx, string name, string description, string script, int processMb)
    {
        var unit = new SystemdUnit($"{description} (datalyptica)", $"{Home}/bin/{script} start-foreground", User)
        {
            Environment = [new("FLINK_CONF_DIR", ConfigDir), new("FLINK_LOG_DIR", PlatformPaths.Logs("flink"))],
            SuccessExitStatus = 143,
            LimitNoFile = 131072,
            // The process size is the whole JVM (heap, managed, network, metaspace, overhead); a little slack for the launcher.
            MemoryMaxMb = processMb + 256,
            ReadWritePaths = [PlatformPaths.Data("flink"), PlatformPaths.Logs("flink"), Scratch(ctx.Host)],
        };
        return new RenderedFile("flink", PlatformPaths.Unit(name), unit.Render()) { Kind = FileKind.SystemdUnit };
    }
}

using System.Text;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;

namespace Datalyptica.Components.Kafka;

/// <summary>
/// Kafka 3.9 in KRaft mode, installed from the pinned release tarball under /opt/datalyptica/kafka/current.
/// Controllers and brokers are always separate processes (separate node.id, config, metadata dir and unit),
/// even where development puts both roles on one VM: combined mode is not supported for production
/// (https://kafka.apache.org/39/operations/kraft).
/// </summary>
public sealed class KafkaRenderer : IComponentRenderer
{
    public const string User = "kafka";
    public const string ControllerUnit = "kafka-controller";
    public const string BrokerUnit = "kafka-broker";
    /// <summary>cp-ansible numbers brokers 1..n and controllers from 9991 (roles/variables/vars/main.yml).</summary>
    public const int FirstControllerId = 9991;
    public const string ControllerListener = "CONTROLLER";
    public const string BrokerListener = "INTERNAL";

    public static readonly string ConfigDir = PlatformPaths.Config("kafka");
    public static readonly string ControllerProperties = $"{ConfigDir}/controller.properties";
    public static readonly string BrokerProperties = $"{ConfigDir}/broker.properties";
    public static readonly string ControllerEnv = $"{ConfigDir}/controller.env";
    public static readonly string BrokerEnv = $"{ConfigDir}/broker.env";
    public static readonly string FormatScript = $"{ConfigDir}/format-storage.sh";
    public static readonly string Home = PlatformPaths.Current("kafka");

    public IEnumerable<RenderedFile> Render(RenderContext ctx)
    {
        var component = KafkaComponent.Controller.Component;
        var voters = Voters(ctx);
        if (ctx.Has(KafkaComponent.Controller))
        {
            var heapMb = ControllerHeapMb(ctx.Host);
            yield return Owned(ctx.File(component, ControllerProperties, ControllerConfig(ctx, voters)));
            yield return Owned(ctx.File(component, ControllerEnv, Environment(heapMb, Sizing.Jvm(heapMb), "controller")));
            yield return Unit(ctx, ControllerUnit, "Kafka KRaft controller", ControllerProperties, ControllerEnv, ControllerMetadataDir(ctx.Host));
        }
        if (ctx.Has(KafkaComponent.Broker))
        {
            var heapMb = BrokerHeapMb(ctx.Host, ctx.Site);
            yield return Owned(ctx.File(component, BrokerProperties, BrokerConfig(ctx, voters)));
            // Brokers start small and grow to the cap (cp-ansible gives -Xms1g -Xmx6g); the rest of RAM is page cache.
            yield return Owned(ctx.File(component, BrokerEnv, Environment(heapMb, "1g", "broker")));
            yield return Unit(ctx, BrokerUnit, "Kafka broker", BrokerProperties, BrokerEnv, LogDirs(ctx.Host)[0]);
        }
        yield return Owned(ctx.File(component, FormatScript, Format(ctx))) with { Mode = Modes.Executable, Kind = FileKind.Script };
        foreach (var file in KafkaMirrorMaker.Render(ctx)) yield return file;
    }

    private static RenderedFile Owned(RenderedFile f) => f with { Owner = "root", Group = User };

    /// <summary>Node ids: brokers 1..n and controllers 9991.. by their stable position in the inventory.</summary>
    public static int BrokerId(RenderContext ctx) => ctx.IndexIn(KafkaComponent.Broker) + 1;
    public static int ControllerId(RenderContext ctx) => FirstControllerId + ctx.IndexIn(KafkaComponent.Controller);

    /// <summary>The same id from the site (rolling restarts ask the quorum whether this member leads).</summary>
    public static int ControllerId(Site site, Host host) =>
        FirstControllerId + site.HostsWith(KafkaComponent.Controller).Select(h => h.Name).ToList().IndexOf(host.Name);

    /// <summary>controller.quorum.voters: every controller as id@address:its own controller port.</summary>
    public static string Voters(RenderContext ctx) =>
        string.Join(',', ctx.Members(KafkaComponent.Controller)
            .Select((h, i) => $"{FirstControllerId + i}@{h.Address}:{h.Port(KafkaComponent.ControllerPort)}"));

    /// <summary>One log directory per data disk of the host (never the OS disk); the platform data root if it has none.</summary>
    public static IReadOnlyList<string> LogDirs(Host host) =>
        host.Disks.Count == 0
            ? [$"{PlatformPaths.Data("kafka")}/broker"]
            : host.Disks.Select(d => $"{d.Mount.TrimEnd('/')}/datalyptica/kafka/broker").ToList();

    public static string ControllerMetadataDir(Host host) =>
        host.Disks.Count == 0 ? $"{PlatformPaths.Data("kafka")}/controller" : $"{host.Disks[0].Mount.TrimEnd('/')}/datalyptica/kafka/controller";

    public static int ReplicationFactor(RenderContext ctx) =>
        Math.Max(1, Math.Min(KafkaSettings.ReplicationFactor.Read(ctx.Site),
            ctx.Members(KafkaComponent.Broker).Count));

    /// <summary>Broker heap: a quarter of the broker's share of RAM, 1–6 GB (Kafka ops guide: 6 GB G1 is plenty; the rest is page cache).</summary>
    public static int BrokerHeapMb(Host host, Site site)
    {
        var configured = KafkaSettings.HeapGb.Get(site, host) ?? 0;
        var budget = RoleBudget.RamMb(host, KafkaComponent.Broker);
        return configured > 0 ? Math.Min(configured * 1024, budget / 2) : Sizing.HeapMb(budget / 1024, 0.25, 1024, 6144) / 256 * 256;
    }

    /// <summary>Controllers only hold the metadata log: a quarter of their share, 512 MB–4 GB (cp-ansible caps them at 4 GB).</summary>
    public static int ControllerHeapMb(Host host) =>
        Math.Clamp(RoleBudget.RamMb(host, KafkaComponent.Controller) / 4, 512, 4096) / 256 * 256;

    private static string ControllerConfig(RenderContext ctx, string voters)
    {
        var h = ctx.Host;
        return JavaProperties.Write(
        [
            new("process.roles", "controller"),
            new("node.id", ControllerId(ctx)),
            new("controller.quorum.voters", voters),
            new("listeners", $"{ControllerListener}://{h.Address}:{ctx.Port(KafkaComponent.ControllerPort)}"),
            new("controller.listener.names", ControllerListener),
            new("listener.security.protocol.map", $"{ControllerListener}:PLAINTEXT"),
            new("log.dirs", ControllerMetadataDir(h)),
            new("num.io.threads", Math.Max(4, RoleBudget.VCpu(h, KafkaComponent.Controller) * 2)),
        ], Header(ctx, "controller"));
    }

    private static string BrokerConfig(RenderContext ctx, string voters)
    {
        var h = ctx.Host;
        var rf = ReplicationFactor(ctx);
        var isr = Math.Clamp(KafkaSettings.MinInsyncReplicas.Read(ctx.Site), 1, rf);
        var rack = KafkaSettings.Rack.Get(ctx.Site, h) ?? h.Rack;
        var cpu = RoleBudget.VCpu(h, KafkaComponent.Broker);
        var listener = $"{BrokerListener}://{h.Address}:{ctx.Port(KafkaComponent.BrokerPort)}";
        return JavaProperties.Write(
        [
            new("process.roles", "broker"),
            new("node.id", BrokerId(ctx)),
            new("controller.quorum.voters", voters),
            new("controller.listener.names", ControllerListener),
            new("listeners", listener),
            // The host's own address: clients connect to exactly what is advertised (never 0.0.0.0).
            new("advertised.listeners", listener),
            new("inter.broker.listener.name", BrokerListener),
            // Brokers must map the CONTROLLER listener too, or they cannot reach the quorum (cp-ansible vars).
            new("listener.security.protocol.map", $"{BrokerListener}:PLAINTEXT,{ControllerListener}:PLAINTEXT"),
            new("log.dirs", string.Join(',', LogDirs(h))),
            new("broker.rack", rack),
            new("default.replication.factor", rf),
            new("min.insync.replicas", isr),
            new("offsets.topic.replication.factor", rf),
            new("transaction.state.log.replication.factor", rf),
            new("transaction.state.log.min.isr", Math.Min(2, rf)),
            new("unclean.leader.election.enable", false),
            new("auto.create.topics.enable", false),
            new("num.partitions", KafkaSettings.NumPartitions.Read(ctx.Site)),
            new("num.network.threads", Math.Max(3, cpu / 2)),
            new("num.io.threads", Math.Max(8, cpu)),
            new("num.recovery.threads.per.data.dir", 2),
            new("log.retention.hours", 168),
            new("group.initial.rebalance.delay.ms", 3000),
        ], Header(ctx, "broker") +
           "\nDurability: acks=all producers + min.insync.replicas < replication factor survive one broker loss (RPO 0)." +
           "\ntransaction.state.log.min.isr = min(2, RF) as cp-ansible computes it; auto topic creation off (topics are sized on purpose).");
    }

    private static string Header(RenderContext ctx, string role) =>
        $"Generated by datalyptica: Kafka {ctx.Version(KafkaComponent.Controller.Component)} KRaft {role} on {ctx.Host.Name} (site {ctx.Site.Name}).\n" +
        "Static quorum (controller.quorum.voters, kraft.version 0): Kafka 3.9 cannot convert a static quorum to a dynamic\n" +
        "one later (Kafka 3.9 docs, \"Static versus Dynamic KRaft Quorums\"); adding a controller is a planned change.";

    private static string Environment(int heapMb, string initialHeap, string role) =>
        $"# Generated by datalyptica: JVM settings read by kafka-run-class.sh for the {role}.\n" +
        "# G1 flags from the Kafka 3.9 operations guide (java-version); heap sized from the host's RAM share.\n" +
        $"KAFKA_HEAP_OPTS=\"-Xms{initialHeap} -Xmx{Sizing.Jvm(heapMb)}\"\n" +
        "KAFKA_JVM_PERFORMANCE_OPTS=\"-server -XX:MetaspaceSize=96m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:G1HeapRegionSize=16M -XX:MinMetaspaceFreeRatio=50 -XX:MaxMetaspaceFreeRatio=80 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true\"\n" +
        $"LOG_DIR={PlatformPaths.Logs("kafka")}/{role}\n";

    private static RenderedFile Unit(RenderContext ctx, string name, string description, string properties, string env, string metaDir)
    {
        var unit = new SystemdUnit($"{description} (datalyptica)", $"{Home}/bin/kafka-server-start.sh {properties}", User)
        {
            // A co-located broker starts after its controller (the quorum must be reachable for it to register).
            After = name == BrokerUnit && ctx.Has(KafkaComponent.Controller)
                ? ["network-online.target", $"{ControllerUnit}.service"] : ["network-online.target"],
            EnvironmentFiles = [env],
            // Refuse to start on unformatted storage instead of formatting here: formatting is a one-time, deliberate
            // step (format-storage.sh); an empty controller dir silently re-formatted could lose quorum data.
            ExecStartPre = $"/usr/bin/test -f {metaDir}/meta.properties",
            // No ExecStop: kafka-server-stop.sh signals every Kafka JVM on the host (controller and broker alike where
            // they share a VM); systemd's SIGTERM to this unit's process starts the controlled shutdown of this one only,
            // which moves partition leadership away first: give it time.
            TimeoutStopSec = 180,
            // SIGTERM ends the JVM with 143.
            SuccessExitStatus = 143,
            LimitNoFile = 131072,
            ReadWritePaths = [.. (name == ControllerUnit ? [ControllerMetadataDir(ctx.Host)] : LogDirs(ctx.Host)), $"{PlatformPaths.Logs("kafka")}"],
        };
        return new RenderedFile("kafka", PlatformPaths.Unit(name), unit.Render()) { Kind = FileKind.SystemdUnit };
    }

    /// <summary>
    /// The storage directories of one role on a host and the properties file that names them: the controller's metadata
    /// directory, or every broker log directory.
    /// </summary>
    public static (IReadOnlyList<string> Dirs, string Properties) Storage(Host host, bool controller) =>
        controller ? ([ControllerMetadataDir(host)], ControllerProperties) : (LogDirs(host), BrokerProperties);

    /// <summary>
    /// Formats one role's KRaft storage with the site's cluster id (Kafka docs, KRaft "Format Storage Directories",
    /// https://kafka.apache.org/documentation/#kraft_storage: <c>kafka-storage.sh format -t &lt;uuid&gt; -c &lt;properties&gt;</c>
    /// on every node before its first start). Static quorum (controller.quorum.voters, kraft.version 0): plain format,
    /// no --standalone or --initial-controllers, which are for the dynamic quorum of KIP-853 (Kafka 3.9 docs, "Static
    /// versus Dynamic KRaft Quorums"). --ignore-formatted formats only directories without meta.properties (a new data
    /// disk), never one that holds data. The cluster id is not a secret.
    /// </summary>
    public static string FormatCommand(Site site, Host host, bool controller)
    {
        var (dirs, props) = Storage(host, controller);
        var id = KafkaSettings.ClusterId.Get(site) ?? ""; // validate refuses a site without one (DL113); init writes it.
        return $"install -d -o {User} -g {User} -m 0750 {string.Join(' ', dirs.Select(RemoteCommand.Quote))} && " +
               $"runuser -u {User} -- {Home}/bin/kafka-storage.sh format -t {RemoteCommand.Quote(id)} -c {props} --ignore-formatted";
    }

    /// <summary>Exit 0 when every storage directory of the role holds meta.properties (what the unit's ExecStartPre checks for the first).</summary>
    public static string FormattedCheck(Host host, bool controller) =>
        string.Join(" && ", Storage(host, controller).Dirs.Select(d => $"test -f {RemoteCommand.Quote(d + "/meta.properties")}"));

    private static string Format(RenderContext ctx)
    {
        var sb = new StringBuilder("#!/bin/sh\n");
        sb.Append("# Generated by datalyptica: formats this node's KRaft storage with the site's cluster id.\n");
        sb.Append("# apply runs the same commands before the units first start (KafkaLifecycle); this copy is for an operator.\n");
        sb.Append("# Never reformat a node that holds data and never change the cluster id: --ignore-formatted makes a second\n");
        sb.Append("# run a no-op on formatted directories (https://kafka.apache.org/documentation/#kraft_storage).\n");
        sb.Append("# Static quorum: no --standalone/--initial-controllers (those are for the dynamic quorum of KIP-853).\n");
        sb.Append("set -eu\n");
        if (ctx.Has(KafkaComponent.Controller)) sb.Append(FormatCommand(ctx.Site, ctx.Host, controller: true)).Append('\n');
        if (ctx.Has(KafkaComponent.Broker)) sb.Append(FormatCommand(ctx.Site, ctx.Host, controller: false)).Append('\n');
        return sb.ToString();
    }
}

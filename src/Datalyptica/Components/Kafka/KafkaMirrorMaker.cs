using Datalyptica.Contracts;
using Datalyptica.Contracts.Drilling;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;

namespace Datalyptica.Components.Kafka;

/// <summary>
/// Disaster recovery for Kafka: MirrorMaker 2 in dedicated mode on every broker of a standby site (Kafka docs,
/// "Geo-Replication (Cross-Cluster Data Mirroring)"; KIP-382), copying the primary site's topics, their configuration
/// and consumer group offsets one way, primary → standby. The workers of all brokers form one MirrorMaker cluster
/// (KIP-710's internal REST between them), so a broker host lost on the standby site moves its tasks to the others.
/// Topic names stay the same on the standby (IdentityReplicationPolicy, KIP-690): after a failover clients use the
/// names they know, and translated offsets (checkpoints, group offset sync) let consumers resume where they were.
/// </summary>
public static class KafkaMirrorMaker
{
    public const string Unit = "kafka-mirror-maker";
    public const string SourceAlias = "primary";
    public const string TargetAlias = "standby";
    public static readonly string Properties = $"{KafkaRenderer.ConfigDir}/mirror-maker.properties";

    public static readonly ListSetting PrimaryBootstrap = new("dr_kafka_primary_bootstrap",
        "standby site only: the primary site's Kafka brokers (host:port) that MirrorMaker 2 copies topics and consumer offsets from")
    {
        Default = [], Item = SettingPatterns.HostPort.IsMatch, ItemDescription = SettingPatterns.HostPortText,
        DefaultDescription = "none (no MirrorMaker)", Example = "[10.20.20.14:9092, 10.20.20.15:9092, 10.20.20.16:9092]",
    };

    /// <summary>A standby site that names the primary's brokers runs MirrorMaker 2 on its own brokers.</summary>
    public static bool Runs(Site site) => site.Role == SiteRole.Standby && PrimaryBootstrap.Read(site).Count > 0;

    /// <summary>
    /// `dr promote`: MirrorMaker 2 stopped and disabled on this site's brokers before the database promotes. A promoted
    /// site takes its own writes; a mirror still running would copy the old primary's topics over them the moment that
    /// site answers again (failback starts from `dr rebuild` and an apply as a standby, which starts it again). A broker
    /// host that does not answer (lost with the disaster) does not stop the promotion: the returned problems name it.
    /// </summary>
    public static async Task<IReadOnlyList<string>> StopForPromotionAsync(DrillContext context, Action<string> progress, CancellationToken cancellation)
    {
        if (!Runs(context.Site)) return [];
        var hosts = context.Site.HostsWith(KafkaComponent.Broker).ToList();
        progress($"stopping MirrorMaker 2 ({Unit}) on {string.Join(", ", hosts.Select(h => h.Name))}: the primary site's topics are no longer copied here");
        var results = await Task.WhenAll(hosts.Select(h => context.RunAsync(h, $"systemctl disable --now {Unit}.service", cancellation, TimeSpan.FromMinutes(3))));
        var problems = hosts.Zip(results).Where(p => !p.Second.Succeeded)
            .Select(p => $"{p.First.Name}: MirrorMaker 2 not stopped ({context.Masker.Mask(p.Second.Stderr.Trim())}); run systemctl disable --now {Unit} there once it answers").ToList();
        foreach (var problem in problems) progress(problem);
        return problems;
    }

    public static IEnumerable<RenderedFile> Render(RenderContext ctx)
    {
        if (!Runs(ctx.Site) || !ctx.Has(KafkaComponent.Broker)) yield break;
        yield return ctx.File(KafkaComponent.Broker.Component, Properties, Config(ctx)) with { Owner = "root", Group = KafkaRenderer.User };
        var unit = new SystemdUnit("Kafka MirrorMaker 2, primary site to this standby site (datalyptica)",
            // --clusters: this node's workers run only the flows into this site (MirrorMaker's own option, KIP-382).
            $"{KafkaRenderer.Home}/bin/connect-mirror-maker.sh {Properties} --clusters {TargetAlias}", KafkaRenderer.User)
        {
            After = ["network-online.target", $"{KafkaRenderer.BrokerUnit}.service"],
            // Not the broker's environment file: its heap is the broker's, its LOG_DIR the broker's folder.
            // connect-mirror-maker.sh keeps a KAFKA_HEAP_OPTS it is given; kafka-run-class.sh writes to LOG_DIR.
            Environment = [new("KAFKA_HEAP_OPTS", "-Xms256m -Xmx1g"), new("LOG_DIR", $"{PlatformPaths.Logs("kafka")}/mirror-maker")],
            TimeoutStopSec = 120,
            SuccessExitStatus = 143,
            ReadWritePaths = [PlatformPaths.Logs("kafka")],
        };
        yield return new RenderedFile("kafka", PlatformPaths.Unit(Unit), unit.Render()) { Kind = FileKind.SystemdUnit };
    }

    public static string Config(RenderContext ctx)
    {
        var rf = KafkaRenderer.ReplicationFactor(ctx);
        string Flow(string key) => $"{SourceAlias}->{TargetAlias}.{key}";
        return JavaProperties.Write(
        [
            new("clusters", $"{SourceAlias}, {TargetAlias}"),
            new($"{SourceAlias}.bootstrap.servers", string.Join(',', PrimaryBootstrap.Read(ctx.Site))),
            new($"{TargetAlias}.bootstrap.servers", string.Join(',', ctx.Endpoints(KafkaComponent.Broker, KafkaComponent.BrokerPort))),
            new(Flow("enabled"), true),
            new(Flow("topics"), ".*"),
            new(Flow("groups"), ".*"),
            // One way: into this site, never back.
            new($"{TargetAlias}->{SourceAlias}.enabled", false),
            new("replication.policy.class", "org.apache.kafka.connect.mirror.IdentityReplicationPolicy"),
            new("sync.topic.configs.enabled", true),
            new("sync.group.offsets.enabled", true),
            new("emit.checkpoints.enabled", true),
            new("emit.heartbeats.enabled", true),
            new("refresh.topics.interval.seconds", 30),
            new("refresh.groups.interval.seconds", 30),
            new("replication.factor", rf),
            new("checkpoints.topic.replication.factor", rf),
            new("heartbeats.topic.replication.factor", rf),
            new("offset-syncs.topic.replication.factor", rf),
            new("offset.storage.replication.factor", rf),
            new("config.storage.replication.factor", rf),
            new("status.storage.replication.factor", rf),
            new("tasks.max", Math.Max(1, ctx.Members(KafkaComponent.Broker).Count)),
            new("dedicated.mode.enable.internal.rest", true),
            new("listeners", $"http://{ctx.Host.Address}:{ctx.Port(MirrorMakerRest)}"),
        ], "MirrorMaker 2 (dedicated mode): the primary site's topics, configs and consumer offsets into this standby site.\n" +
           "Identity replication: topic names are the same on both sites. `dr promote` does not stop it: once this site is the\n" +
           "primary, `systemctl disable --now kafka-mirror-maker` on its brokers, or it copies again from a site that comes back.");
    }

    /// <summary>The workers' internal REST port (KIP-710): workers of the standby site forward task configs to each other.</summary>
    public static readonly PortSpec MirrorMakerRest = new("mirror-maker-rest", 8083, "kafka_mirror_maker_rest_port");

    public static readonly IReadOnlyList<SettingSpec> All = [PrimaryBootstrap];
}

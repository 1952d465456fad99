using Datalyptica.Components;
using Datalyptica.Components.Kafka;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Kafka;

/// <summary>
/// Kafka 3.9 KRaft files, checked by parsing them back: Kafka cannot be installed on this machine (no package source,
/// no release archive in Debian, NuGet or npm), so nothing here starts a broker. Units go through the real systemd-analyze verify.
/// </summary>
public class KafkaRendererTests
{
    /// <summary>
    /// Every key the renderer may write, copied from the Kafka 3.9 broker and KRaft configuration reference
    /// (https://kafka.apache.org/39/documentation.html#brokerconfigs). A typo in the renderer fails here.
    /// </summary>
    private static readonly HashSet<string> Kafka39Keys =
    [
        "process.roles", "node.id", "controller.quorum.voters", "controller.quorum.bootstrap.servers", "controller.listener.names",
        "listeners", "advertised.listeners", "inter.broker.listener.name", "listener.security.protocol.map", "log.dirs",
        "metadata.log.dir", "broker.rack", "default.replication.factor", "min.insync.replicas", "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor", "transaction.state.log.min.isr", "unclean.leader.election.enable",
        "auto.create.topics.enable", "num.partitions", "num.network.threads", "num.io.threads", "num.recovery.threads.per.data.dir",
        "log.retention.hours", "log.segment.bytes", "group.initial.rebalance.delay.ms", "delete.topic.enable",
    ];

    private static IEnumerable<(Host Host, IReadOnlyDictionary<string, string> Props)> Parsed(RenderedSite site, string path) =>
        site.FilesAt(path).Select(x => (x.Host, JavaProperties.Parse(x.File.Content)));

    [Fact]
    public void Node_ids_are_unique_across_brokers_and_controllers_and_follow_cp_ansible_numbering()
    {
        foreach (var site in ArtifactUnitCheck.CoreSites.Append(RenderedSites.Generated1000))
        {
            var brokers = Parsed(site, KafkaRenderer.BrokerProperties).ToList();
            var controllers = Parsed(site, KafkaRenderer.ControllerProperties).ToList();
            brokers.Count.ShouldBe(site.Site.HostsWith(KafkaComponent.Broker).Count(), site.ToString());
            controllers.Count.ShouldBe(site.Site.HostsWith(KafkaComponent.Controller).Count(), site.ToString());
            var ids = brokers.Concat(controllers).Select(x => int.Parse(x.Props["node.id"])).ToList();
            ids.Distinct().Count().ShouldBe(ids.Count, $"{site}: duplicate node.id");
            // Stable by inventory position: brokers 1..n, controllers 9991..
            brokers.Select(b => int.Parse(b.Props["node.id"])).ShouldBe(Enumerable.Range(1, brokers.Count));
            controllers.Select(c => int.Parse(c.Props["node.id"])).ShouldBe(Enumerable.Range(9991, controllers.Count));
            brokers.ShouldAllBe(b => b.Props["process.roles"] == "broker");
            controllers.ShouldAllBe(c => c.Props["process.roles"] == "controller");
        }
    }

    [Fact]
    public void Voters_are_identical_everywhere_and_name_exactly_the_controllers_with_their_ports()
    {
        foreach (var site in ArtifactUnitCheck.CoreSites)
        {
            var all = Parsed(site, KafkaRenderer.BrokerProperties).Concat(Parsed(site, KafkaRenderer.ControllerProperties)).ToList();
            var voters = all.Select(x => x.Props["controller.quorum.voters"]).Distinct().ShouldHaveSingleItem();
            var expected = site.Site.HostsWith(KafkaComponent.Controller)
                .Select(h => $"{h.Address}:{h.Port(KafkaComponent.ControllerPort)}").ToList();
            voters.Split(',').Select(v => v.Split('@')[1]).ShouldBe(expected);
            // Each controller's node.id is the id its own voter entry carries, and it listens where the voters say.
            foreach (var (host, props) in Parsed(site, KafkaRenderer.ControllerProperties))
            {
                voters.Split(',').ShouldContain($"{props["node.id"]}@{host.Address}:{host.Port(KafkaComponent.ControllerPort)}");
                props["listeners"].ShouldBe($"CONTROLLER://{host.Address}:{host.Port(KafkaComponent.ControllerPort)}");
            }
            all.ShouldAllBe(x => x.Props["controller.listener.names"] == "CONTROLLER");
        }
    }

    [Fact]
    public void A_moved_controller_port_reaches_every_voter_list_and_the_controller_listener()
    {
        var prod = RenderedSites.Production.Site;
        var moved = prod.HostsWith(KafkaComponent.Controller).ElementAt(1).Name;
        var (site, hosts) = ArtifactUnitCheck.WithHostVars(prod, moved, new Dictionary<string, object> { ["kafka_controller_port"] = 19093 });
        var host = site.Hosts.Single(h => h.Name == moved);
        foreach (var f in hosts.SelectMany(h => h.Files).Where(f => f.Path is var p && (p == KafkaRenderer.BrokerProperties || p == KafkaRenderer.ControllerProperties)))
            JavaProperties.Parse(f.Content)["controller.quorum.voters"].ShouldContain($"9992@{host.Address}:19093");
        var own = hosts.Single(h => h.Host.Name == moved).Files.Single(f => f.Path == KafkaRenderer.ControllerProperties);
        JavaProperties.Parse(own.Content)["listeners"].ShouldBe($"CONTROLLER://{host.Address}:19093");
    }

    [Fact]
    public void Brokers_advertise_their_own_address_and_port_and_map_the_controller_listener()
    {
        foreach (var site in ArtifactUnitCheck.CoreSites)
        foreach (var (host, props) in Parsed(site, KafkaRenderer.BrokerProperties))
        {
            var own = $"INTERNAL://{host.Address}:{host.Port(KafkaComponent.BrokerPort)}";
            props["listeners"].ShouldBe(own);
            props["advertised.listeners"].ShouldBe(own);
            props["inter.broker.listener.name"].ShouldBe("INTERNAL");
            props["listener.security.protocol.map"].Split(',').ShouldBe(["INTERNAL:PLAINTEXT", "CONTROLLER:PLAINTEXT"], ignoreOrder: true);
            props["broker.rack"].ShouldBe(host.Rack);
            // log.dirs: one directory per data disk of this host, never the OS disk.
            props["log.dirs"].Split(',').ShouldBe(host.Disks.Select(d => $"{d.Mount}/datalyptica/kafka/broker"));
        }
    }

    [Fact]
    public void Durability_settings_fit_the_broker_count_and_site_vars()
    {
        foreach (var site in ArtifactUnitCheck.CoreSites)
        {
            var brokers = site.Site.HostsWith(KafkaComponent.Broker).Count();
            foreach (var (_, p) in Parsed(site, KafkaRenderer.BrokerProperties))
            {
                var rf = int.Parse(p["default.replication.factor"]);
                rf.ShouldBeLessThanOrEqualTo(brokers);
                rf.ShouldBe(Math.Min(KafkaSettings.ReplicationFactor.Read(site.Site), brokers));
                int.Parse(p["min.insync.replicas"]).ShouldBeLessThan(rf);
                int.Parse(p["offsets.topic.replication.factor"]).ShouldBe(rf);
                int.Parse(p["transaction.state.log.replication.factor"]).ShouldBe(rf);
                int.Parse(p["transaction.state.log.min.isr"]).ShouldBe(Math.Min(2, rf));
                p["unclean.leader.election.enable"].ShouldBe("false");
                p["auto.create.topics.enable"].ShouldBe("false");
            }
        }
    }

    [Fact]
    public void Every_key_is_a_known_Kafka_3_9_config()
    {
        foreach (var site in ArtifactUnitCheck.CoreSites)
        foreach (var (host, props) in Parsed(site, KafkaRenderer.BrokerProperties).Concat(Parsed(site, KafkaRenderer.ControllerProperties)))
        foreach (var key in props.Keys)
            Kafka39Keys.ShouldContain(key, $"{site}: {host.Name} writes '{key}', which is not a Kafka 3.9 broker/controller config");
    }

    [Fact]
    public void Heaps_follow_host_RAM_brokers_at_most_6g_controllers_smaller_and_leave_page_cache()
    {
        foreach (var site in ArtifactUnitCheck.CoreSites)
        foreach (var (host, files) in site.Hosts)
        {
            var broker = files.SingleOrDefault(f => f.Path == KafkaRenderer.BrokerEnv);
            var controller = files.SingleOrDefault(f => f.Path == KafkaRenderer.ControllerEnv);
            if (broker is not null)
            {
                var xmx = Jvm.MaxHeapMb(broker.Content);
                xmx.ShouldBeInRange(1024, 6144);
                // At least half the broker's RAM share stays for the page cache.
                xmx.ShouldBeLessThanOrEqualTo(RoleBudget.RamMb(host, KafkaComponent.Broker) / 2);
                broker.Content.ShouldContain("-XX:+UseG1GC");
            }
            if (controller is not null)
            {
                Jvm.MaxHeapMb(controller.Content).ShouldBeInRange(512, 4096);
                Jvm.MaxHeapMb(controller.Content).ShouldBeLessThanOrEqualTo(RoleBudget.RamMb(host, KafkaComponent.Controller));
            }
        }
        // Production's 80 GB brokers get the 6 GB cap; development's shared 32 GB hosts get less.
        Jvm.MaxHeapMb(RenderedSites.Production.File("kafka01", KafkaRenderer.BrokerEnv).Content).ShouldBe(6144);
        Jvm.MaxHeapMb(RenderedSites.Development.File("stream01", KafkaRenderer.BrokerEnv).Content).ShouldBeLessThan(6144);
    }

    [Fact]
    public void Format_script_uses_the_site_cluster_id_once_per_process_and_is_valid_shell()
    {
        var site = RenderedSites.Development;
        var id = site.Site.Var(KafkaSettings.ClusterId.Key)!.AsString()!;
        foreach (var (host, file) in site.FilesAt(KafkaRenderer.FormatScript))
        {
            file.Kind.ShouldBe(FileKind.Script);
            // The same commands apply runs before the units first start (KafkaLifecycle).
            file.Content.ShouldContain($"format -t {Datalyptica.Contracts.Hosts.RemoteCommand.Quote(id)} -c ");
            var formats = file.Content.Split('\n').Where(l => l.Contains("kafka-storage.sh format")).ToList();
            formats.ShouldAllBe(l => l.Contains("--ignore-formatted") && !l.Contains("--standalone"));
            formats.Count.ShouldBe((host.Has(KafkaComponent.Broker) ? 1 : 0) + (host.Has(KafkaComponent.Controller) ? 1 : 0));
            var check = Tool.Run("sh", ["-n"], stdin: file.Content);
            check.ExitCode.ShouldBe(0, check.Output);
        }
    }

    [Fact]
    public void Units_pass_systemd_analyze_verify()
    {
        foreach (var site in new[] { RenderedSites.Production, RenderedSites.Development })
            ArtifactUnitCheck.Verify(site.AllFiles.Where(x => x.File.Component == "kafka" && x.File.Kind == FileKind.SystemdUnit));
    }
}

internal static class Jvm
{
    /// <summary>The last -Xmx in a text (JVM semantics: the last one wins), in MB.</summary>
    public static int MaxHeapMb(string text)
    {
        var m = System.Text.RegularExpressions.Regex.Matches(text, @"-Xmx(\d+)([gGmM])").Last();
        var n = int.Parse(m.Groups[1].Value);
        return char.ToLowerInvariant(m.Groups[2].Value[0]) == 'g' ? n * 1024 : n;
    }

    /// <summary>"9g", "2112m", "4300MB" → MB.</summary>
    public static int Mb(string size)
    {
        var m = System.Text.RegularExpressions.Regex.Match(size.Trim(), @"^(\d+)\s*([gGmM])[bB]?$");
        m.Success.ShouldBeTrue($"not a size: {size}");
        var n = int.Parse(m.Groups[1].Value);
        return char.ToLowerInvariant(m.Groups[2].Value[0]) == 'g' ? n * 1024 : n;
    }
}

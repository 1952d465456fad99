using Datalyptica.Components;
using Datalyptica.Components.Kafka;
using Datalyptica.Components.SchemaRegistry;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Tests.Components.Kafka;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.SchemaRegistry;

/// <summary>Schema Registry files parsed back (it cannot be installed here: no release archive in Debian, NuGet or npm); units via systemd-analyze verify.</summary>
public class SchemaRegistryRendererTests
{
    [Fact]
    public void Every_instance_names_all_brokers_with_their_ports_and_the_same_group()
    {
        foreach (var site in ArtifactUnitCheck.CoreSites)
        {
            var files = site.FilesAt(SchemaRegistryRenderer.PropertiesPath).ToList();
            files.Count.ShouldBe(site.Site.HostsWith(SchemaRegistryComponent.Server).Count());
            var brokers = site.Site.HostsWith(KafkaComponent.Broker).Select(b => $"PLAINTEXT://{b.Address}:{b.Port(KafkaComponent.BrokerPort)}").ToList();
            foreach (var (host, file) in files)
            {
                var p = JavaProperties.Parse(file.Content);
                p["kafkastore.bootstrap.servers"].Split(',').ShouldBe(brokers);
                p["kafkastore.security.protocol"].ShouldBe("PLAINTEXT");
                p["host.name"].ShouldBe(host.Address.ToString());
                p["listeners"].ShouldBe($"http://0.0.0.0:{host.Port(SchemaRegistryComponent.Http)}");
                p["kafkastore.topic"].ShouldBe("_schemas");
                p["leader.eligibility"].ShouldBe("true");
                int.Parse(p["kafkastore.topic.replication.factor"]).ShouldBeLessThanOrEqualTo(brokers.Count);
            }
            files.Select(f => JavaProperties.Parse(f.File.Content)["schema.registry.group.id"]).Distinct().ShouldHaveSingleItem();
        }
    }

    [Fact]
    public void A_moved_broker_port_reaches_the_registry()
    {
        var prod = RenderedSites.Production.Site;
        var broker = prod.HostsWith(KafkaComponent.Broker).Last();
        var (_, hosts) = ArtifactUnitCheck.WithHostVars(prod, broker.Name, new Dictionary<string, object> { ["kafka_broker_port"] = 19092 });
        foreach (var f in hosts.SelectMany(h => h.Files).Where(f => f.Path == SchemaRegistryRenderer.PropertiesPath))
            JavaProperties.Parse(f.Content)["kafkastore.bootstrap.servers"].ShouldContain($"PLAINTEXT://{broker.Address}:19092");
    }

    [Fact]
    public void Heap_is_1g_and_the_unit_caps_memory_within_the_host_share()
    {
        foreach (var site in ArtifactUnitCheck.CoreSites)
        foreach (var (host, env) in site.FilesAt(SchemaRegistryRenderer.EnvPath))
        {
            Jvm.MaxHeapMb(env.Content).ShouldBe(1024);
            var unit = site.File(host.Name, PlatformPaths.Unit(SchemaRegistryRenderer.UnitName)).Content;
            var max = int.Parse(System.Text.RegularExpressions.Regex.Match(unit, @"MemoryMax=(\d+)M").Groups[1].Value);
            max.ShouldBeGreaterThan(1024);
            max.ShouldBeLessThanOrEqualTo(RoleBudget.RamMb(host, SchemaRegistryComponent.Server));
        }
    }

    [Fact]
    public void Units_pass_systemd_analyze_verify()
    {
        foreach (var site in new[] { RenderedSites.Production, RenderedSites.Development })
            ArtifactUnitCheck.Verify(site.AllFiles.Where(x => x.File.Component == "schema_registry" && x.File.Kind == FileKind.SystemdUnit));
    }
}

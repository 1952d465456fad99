using Datalyptica.Components;
using Datalyptica.Components.ClickHouse;
using Datalyptica.Components.HAProxy;
using Datalyptica.Components.Trino;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Rendering;
using Datalyptica.Tests.Components.Kafka;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Trino;

/// <summary>Trino's etc files parsed back (Trino cannot be installed here: no release archive in Debian, NuGet or npm); unit via systemd-analyze verify.</summary>
public class TrinoRendererTests
{
    [Fact]
    public void Nodes_share_one_environment_and_have_unique_stable_ids()
    {
        foreach (var site in ArtifactUnitCheck.CoreSites.Append(RenderedSites.Generated1000))
        {
            var nodes = site.FilesAt(TrinoRenderer.NodePath).Select(x => (x.Host, P: JavaProperties.Parse(x.File.Content))).ToList();
            nodes.Select(n => n.P["node.environment"]).Distinct().ShouldHaveSingleItem().ShouldMatch("^[a-z0-9][_a-z0-9]*$");
            nodes.Select(n => n.P["node.id"]).Distinct().Count().ShouldBe(nodes.Count);
            nodes.ShouldAllBe(n => n.P["node.id"] == n.Host.Name);
        }
    }

    [Fact]
    public void Workers_discover_through_the_VIP_coordinators_announce_to_themselves()
    {
        foreach (var site in ArtifactUnitCheck.CoreSites)
        {
            var proxy = site.Site.HostsWith(HAProxyComponent.Node).First();
            var hasWorkers = site.Site.HostsWith(TrinoComponent.Worker).Any();
            foreach (var (host, file) in site.FilesAt(TrinoRenderer.ConfigPath))
            {
                var p = JavaProperties.Parse(file.Content);
                p["http-server.http.port"].ShouldBe(host.Port(TrinoComponent.Http).ToString());
                if (host.Has(TrinoComponent.Coordinator))
                {
                    p["coordinator"].ShouldBe("true");
                    p["discovery.uri"].ShouldBe($"http://{host.Address}:{host.Port(TrinoComponent.Http)}");
                    // Production: coordinators never run tasks; development has no workers, so its coordinator must.
                    p["node-scheduler.include-coordinator"].ShouldBe(hasWorkers ? "false" : "true");
                }
                else
                {
                    p["coordinator"].ShouldBe("false");
                    p["discovery.uri"].ShouldBe($"http://{site.Site.Vips[0].Address}:{proxy.Port(TrinoComponent.FrontDoor)}");
                }
            }
        }
        RenderedSites.Production.Site.HostsWith(TrinoComponent.Worker).ShouldNotBeEmpty();
        RenderedSites.Development.Site.HostsWith(TrinoComponent.Worker).ShouldBeEmpty();
    }

    [Fact]
    public void Query_memory_plus_headroom_stays_below_Xmx_and_Xmx_is_70_to_85_percent_of_the_share()
    {
        foreach (var site in ArtifactUnitCheck.CoreSites)
        foreach (var (host, file) in site.FilesAt(TrinoRenderer.ConfigPath))
        {
            var p = JavaProperties.Parse(file.Content);
            var xmx = Jvm.MaxHeapMb(site.File(host.Name, TrinoRenderer.JvmPath).Content);
            (Jvm.Mb(p["query.max-memory-per-node"]) + Jvm.Mb(p["memory.heap-headroom-per-node"])).ShouldBeLessThan(xmx);
            var share = RoleBudget.RamMb(host, TrinoRenderer.RoleOf(host));
            ((double)xmx / share).ShouldBeInRange(0.70, 0.85, $"{host.Name}: -Xmx {xmx} of {share} MB");
            site.File(host.Name, TrinoRenderer.JvmPath).Content.ShouldContain("-XX:+ExitOnOutOfMemoryError");
        }
    }

    [Fact]
    public void Catalogs_exist_only_for_deployed_components_use_the_VIP_for_PostgreSQL_and_hold_only_placeholders()
    {
        var site = RenderedSites.Production;
        var proxy = site.Site.HostsWith(HAProxyComponent.Node).First();
        var vip = site.Site.Vips[0].Address;
        var clickhouse = site.Site.HostsWith(ClickHouseComponent.Server).Select(h => $"jdbc:clickhouse://{h.Address}:{h.Port(ClickHouseComponent.Http)}/").ToList();
        foreach (var (host, file) in site.AllFiles.Where(x => x.File.Path.StartsWith(TrinoRenderer.CatalogDir + "/")))
        {
            var p = JavaProperties.Parse(file.Content);
            file.Mode.ShouldBe(Modes.Private);
            file.Group.ShouldBe(TrinoRenderer.User);
            switch (Path.GetFileName(file.Path))
            {
                case "postgresql.properties": p["connection-url"].ShouldBe($"jdbc:postgresql://{vip}:{proxy.Port(HAProxyComponent.PostgresPrimary)}/postgres"); break;
                case "postgresql_replica.properties": p["connection-url"].ShouldBe($"jdbc:postgresql://{vip}:{proxy.Port(HAProxyComponent.PostgresReplicas)}/postgres"); break;
                case "clickhouse.properties": clickhouse.ShouldContain(p["connection-url"]); break;
                case "iceberg.properties": p["iceberg.nessie-catalog.uri"].ShouldStartWith($"http://{vip}:"); break;
                default: throw new Xunit.Sdk.XunitException($"unexpected catalog {file.Path}");
            }
            foreach (var (key, value) in p.Where(kv => kv.Key.Contains("password") || kv.Key.Contains("secret") || kv.Key.Contains("access-key")))
                SecretPlaceholder.Find(value).ShouldHaveSingleItem($"{file.Path}: {key}");
        }
        // A site without ClickHouse gets no ClickHouse catalog.
        var withoutClickHouse = site.Site with
        {
            Hosts = site.Site.Hosts.Select(h => h with { RoleGroups = h.RoleGroups.Where(g => g is not ("clickhouse" or "clickhouse_keeper")).ToList() }).ToList(),
        };
        SiteRenderer.Render(withoutClickHouse, componentId: "trino").SelectMany(h => h.Files)
            .ShouldNotContain(f => f.Path == $"{TrinoRenderer.CatalogDir}/clickhouse.properties");
    }

    [Fact]
    public void Unit_runs_the_launcher_on_the_bundled_JDK_and_passes_systemd_analyze_verify()
    {
        foreach (var site in new[] { RenderedSites.Production, RenderedSites.Development })
        {
            var units = site.AllFiles.Where(x => x.File.Component == "trino" && x.File.Kind == FileKind.SystemdUnit).ToList();
            units.ShouldAllBe(u => u.File.Content.Contains($"JAVA_HOME={TrinoRenderer.JdkHome}") && u.File.Content.Contains("LimitNOFILE=131072"));
            ArtifactUnitCheck.Verify(units);
        }
    }
}

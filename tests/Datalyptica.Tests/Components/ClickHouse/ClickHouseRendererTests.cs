using System.Globalization;
using System.Xml.Linq;
using Datalyptica.Components.ClickHouse;
using Datalyptica.Contracts;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.ClickHouse;

/// <summary>
/// ClickHouse cannot be installed here (no current ClickHouse in Debian, NuGet or npm), so these tests parse
/// the rendered XML back with System.Xml and check it against the site: Keeper Raft lists, ids, macros, clusters.
/// </summary>
public class ClickHouseRendererTests
{
    private static XElement Xml(RenderedSite site, string host, string path) => XDocument.Parse(site.File(host, path).Content).Root!;

    [Fact]
    public void Every_clickhouse_file_is_well_formed_xml_rooted_at_clickhouse()
    {
        foreach (var site in AppTests.Sites)
        foreach (var (host, file) in site.FilesOf("clickhouse").Where(x => x.File.Path.EndsWith(".xml")))
            XDocument.Parse(file.Content).Root!.Name.LocalName.ShouldBe("clickhouse", $"{site}: {host.Name}:{file.Path}");
    }

    [Fact]
    public void Keeper_raft_lists_are_identical_list_every_member_with_its_raft_port_and_match_server_id()
    {
        foreach (var site in AppTests.Sites)
        {
            var keepers = site.Site.HostsWith(ClickHouseComponent.Keeper).ToList();
            keepers.Count.ShouldBeGreaterThanOrEqualTo(3);
            var expected = keepers.Select((h, i) => $"{i + 1}|{h.Address}|{h.Port(ClickHouseComponent.KeeperRaft)}").ToList();
            var ids = new HashSet<int>();
            foreach (var k in keepers)
            {
                var server = Xml(site, k.Name, ClickHouseRenderer.KeeperConfig).Element("keeper_server")!;
                var raft = server.Element("raft_configuration")!.Elements("server")
                    .Select(s => $"{s.Element("id")!.Value}|{s.Element("hostname")!.Value}|{s.Element("port")!.Value}").ToList();
                raft.ShouldBe(expected, $"{site}: {k.Name}");
                var id = int.Parse(server.Element("server_id")!.Value, CultureInfo.InvariantCulture);
                ids.Add(id).ShouldBeTrue($"{site}: server_id {id} reused");
                raft.ShouldContain($"{id}|{k.Address}|{k.Port(ClickHouseComponent.KeeperRaft)}", $"{site}: {k.Name}'s id is its own raft entry");
                server.Element("tcp_port")!.Value.ShouldBe(k.Port(ClickHouseComponent.KeeperClient).ToString(CultureInfo.InvariantCulture));
                server.Element("four_letter_word_white_list")!.Value.Split(',').ShouldContain("ruok");
                server.Element("coordination_settings")!.Element("force_sync")!.Value.ShouldBe("true");
            }
        }
    }

    [Fact]
    public void Servers_share_one_cluster_of_all_replicas_use_every_keeper_and_have_unique_macros()
    {
        foreach (var site in AppTests.Sites)
        {
            var servers = site.Site.HostsWith(ClickHouseComponent.Server).ToList();
            var keepers = site.Site.HostsWith(ClickHouseComponent.Keeper).Select(k => $"{k.Address}:{k.Port(ClickHouseComponent.KeeperClient)}").ToList();
            var clusters = new HashSet<string>();
            var macros = new HashSet<string>();
            foreach (var s in servers)
            {
                var cluster = Xml(site, s.Name, $"{ClickHouseRenderer.ConfigDir}/config.d/cluster.xml");
                var def = cluster.Element("remote_servers")!.Element(ClickHouseRenderer.ClusterName)!;
                clusters.Add(def.ToString());
                def.Elements("shard").ShouldAllBe(sh => sh.Element("internal_replication")!.Value == "true");
                def.Descendants("replica").Select(r => $"{r.Element("host")!.Value}:{r.Element("port")!.Value}")
                    .ShouldBe(servers.Select(h => $"{h.Address}:{h.Port(ClickHouseComponent.Native)}"), ignoreOrder: true);
                var m = cluster.Element("macros")!;
                macros.Add($"{m.Element("shard")!.Value}/{m.Element("replica")!.Value}").ShouldBeTrue($"{site}: macros of {s.Name} reused");
                // The shard macro names the shard whose replica list holds this host.
                var shardNo = def.Elements("shard").Select((sh, i) => (sh, i)).Single(x => x.sh.Descendants("host").Any(h => h.Value == s.Address.ToString())).i + 1;
                int.Parse(m.Element("shard")!.Value, CultureInfo.InvariantCulture).ShouldBe(shardNo);

                Xml(site, s.Name, $"{ClickHouseRenderer.ConfigDir}/config.d/keeper-client.xml").Element("zookeeper")!.Elements("node")
                    .Select(n => $"{n.Element("host")!.Value}:{n.Element("port")!.Value}").ShouldBe(keepers);
                var net = Xml(site, s.Name, $"{ClickHouseRenderer.ConfigDir}/config.d/network.xml");
                net.Element("interserver_http_host")!.Value.ShouldBe(s.Address.ToString());
                net.Element("tcp_port")!.Value.ShouldBe(s.Port(ClickHouseComponent.Native).ToString(CultureInfo.InvariantCulture));
            }
            clusters.Count.ShouldBe(1, $"{site}: every server has the same remote_servers");
        }
    }

    [Fact]
    public void Clickhouse_shards_splits_members_into_contiguous_shards()
    {
        var site = AppTests.WithVars(RenderedSites.Production.Site, ("clickhouse_shards", 2));
        var servers = site.Site.HostsWith(ClickHouseComponent.Server).ToList();
        var def = Xml(site, servers[0].Name, $"{ClickHouseRenderer.ConfigDir}/config.d/cluster.xml").Element("remote_servers")!.Element(ClickHouseRenderer.ClusterName)!;
        def.Elements("shard").Select(s => s.Elements("replica").Count()).ShouldBe([2, 1]);
        Xml(site, servers[2].Name, $"{ClickHouseRenderer.ConfigDir}/config.d/cluster.xml").Element("macros")!.Element("shard")!.Value.ShouldBe("02");
    }

    [Fact]
    public void Memory_ratio_is_the_default_on_dedicated_hosts_and_lower_where_roles_share_the_host()
    {
        double Ratio(RenderedSite site, string host) => double.Parse(
            Xml(site, host, $"{ClickHouseRenderer.ConfigDir}/config.d/memory.xml").Element("max_server_memory_usage_to_ram_ratio")!.Value, CultureInfo.InvariantCulture);
        Ratio(RenderedSites.Production, "clickhouse01").ShouldBe(0.9);
        var dev = RenderedSites.Development;
        var q = dev.Site.HostsWith(ClickHouseComponent.Server).First();
        Ratio(dev, q.Name).ShouldBeLessThan(0.9);
        Ratio(dev, q.Name).ShouldBeGreaterThan(0.25);
    }

    [Fact]
    public void Passwords_are_placeholders_in_private_files_only() =>
        AppTests.Sites.ToList().ForEach(s => AppTests.SecretsArePlaceholdersInPrivateFiles(s, "clickhouse",
            "vault_clickhouse_admin_password", "vault_clickhouse_interserver_password"));

    [Fact]
    public void Units_run_server_and_keeper_from_the_artifact_with_their_own_configs()
    {
        var site = RenderedSites.Production;
        site.File("clickhouse01", "/etc/systemd/system/clickhouse-server.service").Content.ShouldContain($"--config-file={ClickHouseRenderer.ServerConfig}");
        site.File("clickhouse01", "/etc/systemd/system/clickhouse-keeper.service").Content.ShouldContain($"--config-file={ClickHouseRenderer.KeeperConfig}");
        // clickhouse-common-static-<v>-amd64.tgz holds usr/bin/clickhouse under its top folder (ReleaseFiles fixture);
        // Keeper is the same binary's keeper command.
        site.File("clickhouse01", "/etc/systemd/system/clickhouse-server.service").Content
            .ShouldContain("ExecStart=/opt/datalyptica/clickhouse/current/usr/bin/clickhouse server ");
        site.File("clickhouse01", "/etc/systemd/system/clickhouse-keeper.service").Content
            .ShouldContain("ExecStart=/opt/datalyptica/clickhouse/current/usr/bin/clickhouse keeper ");
    }

    [Fact]
    public void Renders_the_thousand_host_site_fast() => AppTests.RendersOnThousandHosts("clickhouse");
}

using System.Globalization;
using System.Text.Json;
using Datalyptica.Components.Grafana;
using Datalyptica.Components.Loki;
using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Model;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Grafana;

/// <summary>
/// Grafana cannot be installed here (no release archive in Debian, NuGet or npm): grafana.ini is parsed back with IniText, provisioning with
/// YamlText and dashboards with System.Text.Json, and checked against the site (moved ports included).
/// </summary>
public class GrafanaRendererTests
{
    [Fact]
    public void Ha_peers_list_every_grafana_with_its_own_alerting_port_moved_where_alertmanager_shares_the_host()
    {
        foreach (var site in AppTests.Sites)
        {
            var members = site.Site.HostsWith(GrafanaComponent.Server).ToList();
            var expected = string.Join(",", members.Select(h => $"{h.Address}:{h.Port(GrafanaComponent.AlertingHa)}"));
            foreach (var g in members)
            {
                var ini = IniText.Parse(site.File(g.Name, GrafanaRenderer.IniPath).Content);
                ini["unified_alerting"]["ha_peers"].ShouldBe(expected);
                ini["unified_alerting"]["ha_listen_address"].ShouldBe($"{g.Address}:{g.Port(GrafanaComponent.AlertingHa)}");
                ini["server"]["http_port"].ShouldBe(g.Port(GrafanaComponent.Http).ToString(CultureInfo.InvariantCulture));
                ini["server"]["root_url"].ShouldBe($"https://{site.Site.Domain}/grafana/");
                ini["security"]["secret_key"].ShouldBe("@@secret:vault_grafana_secret_key@@");
                ini["database"]["host"].ShouldStartWith(site.Site.Vips[0].Address + ":");
            }
        }
        // Development and staging co-locate Alertmanager: the gossip port moved to 9096 and the peers follow it.
        IniText.Parse(RenderedSites.Development.File("lb01", GrafanaRenderer.IniPath).Content)["unified_alerting"]["ha_peers"].ShouldContain(":9096");
        var staging = RenderedSites.Staging;
        var sg = staging.Site.HostsWith(GrafanaComponent.Server).First();
        IniText.Parse(staging.File(sg.Name, GrafanaRenderer.IniPath).Content)["unified_alerting"]["ha_peers"].ShouldNotContain(":9094");
    }

    [Fact]
    public void Datasources_name_site_members_with_their_ports()
    {
        foreach (var site in AppTests.Sites)
        foreach (var g in site.Site.HostsWith(GrafanaComponent.Server))
        {
            var yaml = (Dictionary<object, object>)YamlText.Parse(site.File(g.Name, $"{GrafanaRenderer.Provisioning}/datasources/datalyptica.yaml").Content)!;
            var ds = ((List<object>)yaml["datasources"]).Cast<Dictionary<object, object>>().ToList();
            ds.Count(d => (string)d["isDefault"] == "true").ShouldBe(1);
            var lokis = site.Site.HostsWith(LokiComponent.Server).Select(h => $"http://{h.Address}:{h.Port(LokiComponent.Http)}").ToList();
            lokis.ShouldContain((string)ds.Single(d => (string)d["type"] == "loki")["url"]);
            foreach (var p in site.Site.HostsWith(PrometheusComponent.Server))
                ds.ShouldContain(d => (string)d["url"] == $"http://{p.Address}:{p.Port(PrometheusComponent.Http)}/prometheus");
        }
    }

    [Fact]
    public void One_dashboard_per_tier_of_the_site_with_node_panels_for_its_hosts()
    {
        foreach (var site in AppTests.Sites)
        {
            var g = site.Site.HostsWith(GrafanaComponent.Server).First();
            var dashboards = site.Host(g.Name).Files.Where(f => f.Path.StartsWith(GrafanaRenderer.DashboardsDir + "/")).ToList();
            var tiers = site.Site.Hosts.Select(h => h.Tier).Distinct().ToList();
            dashboards.Select(d => d.Path).ShouldBe(tiers.Select(t => $"{GrafanaRenderer.DashboardsDir}/{t.GroupName()}.json"), ignoreOrder: true);
            foreach (var tier in tiers)
            {
                var json = JsonDocument.Parse(dashboards.Single(d => d.Path.EndsWith($"/{tier.GroupName()}.json")).Content).RootElement;
                var exprs = json.GetProperty("panels").EnumerateArray().Select(p => p.GetProperty("targets")[0].GetProperty("expr").GetString()!).ToList();
                exprs.Count.ShouldBeGreaterThan(4, "node panels plus one per component");
                var host = site.Site.Hosts.First(h => h.Tier == tier);
                exprs[0].ShouldContain(host.Address.ToString().Replace(".", "\\\\.") + ":9100");
            }
        }
    }

    [Fact]
    public void Secrets_are_placeholders_in_private_files_only() =>
        AppTests.Sites.ToList().ForEach(s => AppTests.SecretsArePlaceholdersInPrivateFiles(s, "grafana",
            "vault_grafana_db_password", "vault_grafana_secret_key", "vault_oauth_grafana_client_secret"));

    [Fact]
    public void Renders_the_thousand_host_site_fast() => AppTests.RendersOnThousandHosts("grafana");
}

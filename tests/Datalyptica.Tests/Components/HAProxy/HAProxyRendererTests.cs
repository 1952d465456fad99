using System.Text.RegularExpressions;
using Datalyptica.Components;
using Datalyptica.Components.HAProxy;
using Datalyptica.Components.JupyterHub;
using Datalyptica.Components.Patroni;
using Datalyptica.Components.PostgreSQL;
using Datalyptica.Components.Trino;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Model;
using Datalyptica.Profiles;
using Datalyptica.Rendering;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.HAProxy;

public class HAProxyRendererTests
{
    private static Site WithVars(Site site, params (string Key, object Value)[] vars)
    {
        var all = new Dictionary<string, Setting>(site.Vars);
        foreach (var (k, v) in vars) all[k] = new Setting(v, null);
        return site with { Vars = all };
    }

    /// <summary>Renders the site with the certificate var pointing at a throwaway self-signed PEM and runs haproxy -c on every LB.</summary>
    private static void Check(Site site)
    {
        var dir = Directory.CreateTempSubdirectory("dl-haproxy-");
        try
        {
            var key = Path.Combine(dir.FullName, "key.pem");
            var crt = Path.Combine(dir.FullName, "crt.pem");
            Tool.Run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=" + site.Domain])
                .ExitCode.ShouldBe(0);
            var pem = Path.Combine(dir.FullName, "datalyptica.pem");
            File.WriteAllText(pem, File.ReadAllText(crt) + File.ReadAllText(key));
            var rendered = SiteRenderer.Render(WithVars(site, (HAProxySettings.TlsCertificate.Key, pem)), componentId: "haproxy");
            var configs = rendered.SelectMany(h => h.Files.Select(f => (h.Host, f))).Where(x => x.f.Path == HAProxyRenderer.ConfigPath).ToList();
            configs.Count.ShouldBe(site.HostsWith(HAProxyComponent.Node).Count());
            foreach (var (host, file) in configs)
            {
                file.Content.ShouldContain($"ssl crt {pem} ");
                using var root = new HostRoot([file]);
                var result = Tool.Run("haproxy", ["-c", "-f", root.PathOf(file.Path)]);
                result.ExitCode.ShouldBe(0, $"{site.Name} {host.Name}: {result.Output}");
                result.Output.ShouldNotContain("[WARNING]", customMessage: $"{site.Name} {host.Name}: {result.Output}");
                result.Output.ShouldNotContain("[ALERT]");
            }
        }
        finally { dir.Delete(true); }
    }

    [Fact] public void Production_config_passes_haproxy_check() => Check(RenderedSites.Production.Site);
    [Fact] public void Development_config_passes_haproxy_check() => Check(RenderedSites.Development.Site);
    [Fact] public void Staging_config_passes_haproxy_check() => Check(RenderedSites.Staging.Site);

    private static string Config(RenderedSite site) => site.File(site.Site.HostsWith(HAProxyComponent.Node).First().Name, HAProxyRenderer.ConfigPath).Content;

    private static List<string> Section(string config, string header) =>
        config.Split("\n\n").Single(b => b.Split('\n').Any(l => l == header)).Split('\n').Select(l => l.Trim()).ToList();

    [Fact]
    public void Postgres_pools_follow_autobase_and_check_each_members_own_patroni_port()
    {
        var production = RenderedSites.Production.Site;
        // Move pg02's Patroni REST and PostgreSQL ports: the LB must follow that member's ports only.
        var site = production with
        {
            Hosts = production.Hosts.Select(h => h.Name != "pg02" ? h : h with
            {
                Vars = new Dictionary<string, Setting>(h.Vars) { [PatroniComponent.RestApi.VarName] = new(8018, null), [PostgreSQLComponent.Server.VarName] = new(5433, null) },
            }).ToList(),
        };
        var config = SiteRenderer.Render(site, "lb01", "haproxy")[0].Files.Single(f => f.Path == HAProxyRenderer.ConfigPath).Content;
        var expected = new Dictionary<string, (string Port, string Check, string Inter, string Rise)>
        {
            ["listen postgres_primary"] = ("5000", "option httpchk OPTIONS /primary", "inter 1s fastinter 500ms downinter 500ms", "rise 2"),
            ["listen postgres_replicas"] = ("5001", "option httpchk OPTIONS /replica?lag=100MB", "inter 3s fastinter 1s", "rise 2"),
            ["listen postgres_sync"] = ("5002", "option httpchk OPTIONS /sync", "inter 3s fastinter 1s", "rise 2"),
            ["listen postgres_async"] = ("5003", "option httpchk OPTIONS /async?lag=100MB", "inter 3s fastinter 1s", "rise 2"),
        };
        foreach (var (header, (port, check, inter, rise)) in expected)
        {
            var lines = Section(config, header);
            lines.ShouldContain($"bind :{port}");
            lines.ShouldContain(check);
            lines.ShouldContain("http-check expect status 200");
            lines.ShouldContain($"default-server {inter} fall 3 {rise} on-marked-down shutdown-sessions");
            var servers = lines.Where(l => l.StartsWith("server ")).ToList();
            servers.Count.ShouldBe(site.HostsWith(PostgreSQLComponent.Member).Count());
            foreach (var m in site.HostsWith(PostgreSQLComponent.Member))
                servers.ShouldContain($"server {m.Name} {m.Address}:{m.Port(PostgreSQLComponent.Server)} check port {m.Port(PatroniComponent.RestApi)}");
        }
        config.ShouldContain("server pg02 10.20.10.12:5433 check port 8018");
        config.ShouldContain("server pg01 10.20.10.11:5432 check port 8008");
        config.ShouldContain("stats socket /run/haproxy/admin.sock mode 660 level admin expose-fd listeners");
        Section(config, "listen stats").ShouldContain($"bind {site.Hosts.First(h => h.Name == "lb01").Address}:7000");
    }

    [Fact]
    public void Https_binds_the_vips_and_overwrites_forwarded_headers()
    {
        var rendered = RenderedSites.Production;
        var config = Config(rendered);
        var https = Section(config, "frontend https");
        var binds = https.Where(l => l.StartsWith("bind ")).ToList();
        binds.ShouldBe(rendered.Site.Vips.Select(v => $"bind {v.Address}:443 ssl crt {HAProxyRenderer.DefaultCertificate} alpn h2,http/1.1"));
        Section(config, "frontend http").ShouldContain("http-request redirect scheme https code 301");
        https.ShouldContain("http-request set-header X-Forwarded-For %[src]");
        https.ShouldContain("http-request set-header X-Forwarded-Proto https");
        config.ShouldNotContain("option forwardfor");
        config.ShouldNotContain("add-header X-Forwarded");
        config.ShouldNotContain("path_beg /kafka-ui");
        config.ShouldNotContain("backend kafka");
        config.ShouldContain("no Kafka UI component");
    }

    [Fact]
    public void Every_backend_server_is_a_member_with_its_own_port_and_health_check()
    {
        foreach (var rendered in new[] { RenderedSites.Production, RenderedSites.Development })
        {
            var site = rendered.Site;
            var config = Config(rendered);
            foreach (var route in HttpRoutes.All)
            {
                var members = site.HostsWith(route.Role).ToList();
                var header = $"backend {route.Name.Replace('-', '_')}";
                if (members.Count == 0) { config.ShouldNotContain(header + "\n"); continue; }
                var lines = Section(config, header);
                lines.ShouldContain($"http-check send meth GET uri {route.HealthPath} ver HTTP/1.1 hdr Host {site.Domain}");
                var servers = lines.Where(l => l.StartsWith("server ")).ToList();
                servers.Count.ShouldBe(members.Count);
                for (var i = 0; i < members.Count; i++)
                {
                    var m = members[i];
                    var expected = $"server {m.Name} {m.Address}:{m.Port(route.Port)} check"
                        + (route.HealthPort is { } hp ? $" port {m.Port(hp)}" : "")
                        + (route.Sticky ? $" cookie {m.Name}" : "")
                        + (route.ActivePassive && i > 0 ? " backup" : "");
                    servers[i].ShouldBe(expected);
                }
            }
        }
    }

    [Fact]
    public void Trino_and_JupyterHub_are_active_passive_and_superset_is_routed_by_host()
    {
        var rendered = RenderedSites.Production;
        var config = Config(rendered);
        var coordinators = rendered.Site.HostsWith(TrinoComponent.Coordinator).ToList();
        Section(config, "backend trino").Count(l => l.EndsWith(" backup")).ShouldBe(coordinators.Count - 1);
        Section(config, "backend trino").ShouldContain($"http-check expect rstring {HaproxyConfig.Quote(TrinoHealth.StartedPattern)}");
        Section(config, "backend jupyter").Count(l => l.EndsWith(" backup")).ShouldBe(rendered.Site.HostsWith(JupyterHubComponent.Server).Count() - 1);
        config.ShouldContain($"acl host_superset req.hdr(host),field(1,:),lower -m str superset.{rendered.Site.Domain}");
        config.ShouldContain("use_backend superset if host_superset");
        config.ShouldContain("4.1 cannot run under a sub-path");
        config.ShouldNotContain("use_backend superset if path_superset");
        Section(config, "backend nessie").ShouldContain("http-request replace-path ^/nessie(/)?(.*) /\\2");
    }

    /// <summary>
    /// Every body expectation in the rendered file, run by the real HAProxy: a server answering the route's documented
    /// ready response goes UP, one answering it without the expected part goes DOWN. (The trino_vip check once wrote the
    /// regex unquoted; HAProxy's word splitting turned <c>\s</c> into <c>s</c> and no Trino could ever pass it.)
    /// </summary>
    [Fact]
    public async Task Body_expectations_pass_a_ready_backend_and_fail_another_in_real_haproxy()
    {
        var config = Config(RenderedSites.Production);
        var routes = ComponentCatalog.All.SelectMany(c => c.HttpRoutes).Where(r => r.ExpectBody is not null).ToList();
        routes.ShouldNotBeEmpty();
        var sections = config.Split("\n\n").Select(b => b.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).ToList())
            .Where(lines => lines.Any(l => l.Contains("http-check expect rstring"))).ToList();
        sections.Count.ShouldBeGreaterThanOrEqualTo(routes.Count);
        foreach (var section in sections)
        {
            var expect = HaproxyConfig.SplitWords(section.Single(l => l.Contains("expect rstring")))!.Last();
            var route = routes.SingleOrDefault(r => r.ExpectBody == expect)
                .ShouldNotBeNull($"{section[0]}: no route declares the expectation '{expect}' with a ready example");
            var ready = route.ReadyExample.ShouldNotBeNull($"route {route.Name} expects a body but documents no ready example");
            var notReady = Regex.Replace(ready, expect, "");
            Regex.IsMatch(notReady, expect).ShouldBeFalse();

            using var readyServer = new FixedHttpServer(ready);
            using var notReadyServer = new FixedHttpServer(notReady);
            var checks = section.Where(l => l.TrimStart().StartsWith("option httpchk") || l.TrimStart().StartsWith("http-check ")).ToList();
            var states = await RealHaproxy.ServerStatesAsync(checks, [("ready", readyServer.Port), ("not_ready", notReadyServer.Port)]);
            states["ready"].ShouldBe("UP", $"{section[0]}: {ready}");
            states["not_ready"].ShouldBe("DOWN", $"{section[0]}: {notReady}");
        }
    }

    [Fact]
    public void Only_deployed_components_get_backends()
    {
        var production = RenderedSites.Production.Site;
        var site = production with
        {
            Hosts = production.Hosts.Select(h => h with { RoleGroups = h.RoleGroups.Where(g => g is not ("superset" or "mlflow")).ToList() }).ToList(),
        };
        var config = SiteRenderer.Render(site, "lb01", "haproxy")[0].Files.Single(f => f.Path == HAProxyRenderer.ConfigPath).Content;
        config.ShouldNotContain("backend superset");
        config.ShouldNotContain("backend mlflow");
        config.ShouldNotContain("superset.");
        config.ShouldContain("backend grafana");
    }

    [Fact]
    public void Maxconn_follows_the_host_and_the_inventory()
    {
        var config = Config(RenderedSites.Production);
        // 8 GB load balancers: 65,536 → 65,000.
        config.ShouldContain("    maxconn 65000\n");
        var site = WithVars(RenderedSites.Production.Site, (HAProxySettings.MaxConn.Key, 20000));
        SiteRenderer.Render(site, "lb01", "haproxy")[0].Files.Single(f => f.Path == HAProxyRenderer.ConfigPath).Content.ShouldContain("    maxconn 20000\n");
    }

    [Fact]
    public void A_thousand_host_site_renders_every_load_balancer()
    {
        var site = ProfileExpander.Expand(BuiltInProfiles.Production, hostCount: 1000, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qk");
        // Speed is measured by bench/scale.sh; here: every load balancer gets its files.
        foreach (var id in new[] { "haproxy", "keepalived" })
            SiteRenderer.Render(site, componentId: id).Count(h => h.Files.Count > 0).ShouldBe(site.Hosts.Count(h => h.RoleGroups.Contains(id)));
    }
}

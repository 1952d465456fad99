using System.Text;
using System.Text.RegularExpressions;
using Datalyptica.Components;
using Datalyptica.Components.Alloy;
using Datalyptica.Components.Loki;
using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;
using Datalyptica.Profiles;
using Datalyptica.Rendering;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Alloy;

/// <summary>
/// Alloy cannot be installed here (no package source serves it): config.alloy is read back with the string rules of
/// Alloy's scanner (<see cref="AlloyLiteral"/>) and checked against the site.
/// </summary>
public class AlloyRendererTests
{
    private static string Config(RenderedSite site, string host) => site.File(host, AlloyRenderer.ConfigPath).Content;

    private static Host NotLoki(RenderedSite site) => site.Site.Hosts.First(h => !h.Has(LokiComponent.Server));

    [Fact]
    public void Every_host_of_production_ships_with_a_unit_and_a_config()
    {
        var site = RenderedSites.Production;
        foreach (var host in site.Site.Hosts)
        {
            host.Has(AlloyComponent.Agent).ShouldBeTrue(host.Name);
            site.File(host.Name, AlloyRenderer.ConfigPath).Group.ShouldBe("alloy");
            site.File(host.Name, PlatformPaths.Unit("alloy")).Kind.ShouldBe(FileKind.SystemdUnit);
        }
    }

    [Fact]
    public void Production_config_has_the_journal_the_platform_logs_and_one_loki_write_with_the_host_labels()
    {
        var site = RenderedSites.Production;
        var host = NotLoki(site);
        var c = Config(site, host.Name);
        var lokis = site.Site.HostsWith(LokiComponent.Server).ToList();
        var loki = lokis[site.Site.Hosts.ToList().IndexOf(host) % lokis.Count];

        c.ShouldContain("loki.write \"loki\" {");
        Strings(c, "url").ShouldBe([$"http://{loki.Address}:{loki.Port(LokiComponent.Http)}/loki/api/v1/push"]);
        Strings(c, "site").ShouldBe([site.Site.Name]);
        Strings(c, "host").ShouldBe([host.Name]);
        Strings(c, "tier").ShouldBe([host.Tier.GroupName()]);
        Regex.Matches(c, @"^loki\.write ", RegexOptions.Multiline).Count.ShouldBe(1, "one writer: several endpoint blocks would each get every line");

        c.ShouldContain("loki.source.journal \"journal\" {");
        c.ShouldContain("relabel_rules = loki.relabel.journal.rules");
        c.ShouldContain("source_labels = [\"__journal__systemd_unit\"]\n    target_label  = \"unit\"");
        c.ShouldContain("local.file_match \"datalyptica\" {");
        Strings(c, "{\"__path__\"").ShouldBe(["/var/log/datalyptica/**/*.log"]);
        c.ShouldContain("targets = local.file_match.datalyptica.targets");
        c.ShouldContain("targets    = discovery.relabel.datalyptica_files.output");
        Regex.Matches(c, @"forward_to\s*= \[loki\.write\.loki\.receiver\]").Count.ShouldBe(2);
    }

    [Fact]
    public void Journal_units_map_to_the_component_that_runs_them_and_files_to_their_folder()
    {
        var site = RenderedSites.Production;
        var trino = site.Site.Hosts.First(h => h.Name.StartsWith("trino-coord", StringComparison.Ordinal));
        var c = Config(site, trino.Name);
        var rules = ComponentRules(c);
        rules["trino"].ShouldBe("(trino)\\.service");
        rules["os-base"].ShouldBe("(chrony|nftables|prometheus-node-exporter)\\.service");
        rules["alloy"].ShouldBe("(alloy)\\.service");
        rules.Keys.ShouldNotContain("kafka", "only the components on this host");
        // The file's folder under /var/log/datalyptica is its component (PlatformPaths.Logs).
        var folder = Regex.Match(c, "source_labels = \\[\"__path__\"\\]\n    regex         = (\"[^\n]*\")").Groups[1].Value;
        var regex = new Regex("^(?:" + AlloyLiteral.Read(folder) + ")$");
        regex.Match(PlatformPaths.Logs("trino") + "/server.log").Groups[1].Value.ShouldBe("trino");
    }

    [Fact]
    public void A_loki_member_pushes_to_itself()
    {
        var site = RenderedSites.Production;
        foreach (var loki in site.Site.HostsWith(LokiComponent.Server))
            Strings(Config(site, loki.Name), "url").ShouldBe([$"http://{loki.Address}:{loki.Port(LokiComponent.Http)}/loki/api/v1/push"]);
    }

    [Fact]
    public void Unit_runs_as_alloy_with_the_journal_group_and_only_the_read_capability()
    {
        var site = RenderedSites.Production;
        var host = NotLoki(site);
        var unit = site.File(host.Name, PlatformPaths.Unit("alloy")).Content;
        unit.ShouldContain("User=alloy\n");
        unit.ShouldContain("SupplementaryGroups=systemd-journal\n");
        unit.ShouldContain("AmbientCapabilities=CAP_DAC_READ_SEARCH\n");
        unit.ShouldContain("CapabilityBoundingSet=CAP_DAC_READ_SEARCH\n");
        unit.ShouldContain("NoNewPrivileges=yes\n");
        unit.ShouldContain($"ExecStart=/opt/datalyptica/alloy/current/bin/alloy run --server.http.listen-addr={host.Address}:12345 " +
                           "--storage.path=/var/lib/datalyptica/alloy --disable-reporting /etc/datalyptica/alloy/config.alloy\n");
        unit.ShouldContain($"MemoryMax={AlloyRenderer.MemoryMaxMb}M\n");
    }

    [Fact]
    public void A_site_without_loki_has_no_shipper()
    {
        var production = BuiltInProfiles.Production;
        var withoutLoki = production with { Pools = production.Pools.Where(p => !p.Groups.Contains("loki")).ToList() };
        var site = ProfileExpander.Expand(withoutLoki, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qk");
        site.Hosts.ShouldAllBe(h => !h.Has(AlloyComponent.Agent));
        site.Deploys(ComponentCatalog.Get("alloy")).ShouldBeFalse();
        SiteRenderer.Render(site).SelectMany(h => h.Files).ShouldNotContain(f => f.Component == "alloy" || f.Content.Contains("alloy_http"));
    }

    [Fact]
    public void A_host_listed_under_alloy_in_a_site_without_loki_renders_nothing()
    {
        var site = RenderedSites.Production.Site;
        var hosts = site.Hosts.Select(h => h with { RoleGroups = h.RoleGroups.Where(g => g != "loki").ToList() }).ToList();
        var rendered = SiteRenderer.Render(site with { Hosts = hosts }, componentId: "alloy");
        rendered.SelectMany(h => h.Files).ShouldBeEmpty();
    }

    [Fact]
    public void Implied_roles_follow_loki_and_are_never_written()
    {
        var hosts = new List<Host>
        {
            new("a", System.Net.IPAddress.Parse("10.0.0.1"), Tier.Monitoring, 4, 16, [], ["loki", "alloy"]),
            new("b", System.Net.IPAddress.Parse("10.0.0.2"), Tier.Query, 4, 16, [], ["trino_worker"]),
        };
        ImpliedRoles.Place(hosts).ShouldAllBe(h => h.RoleGroups.Count(g => g == "alloy") == 1);
        ImpliedRoles.Place([hosts[1] with { RoleGroups = ["trino_worker", "alloy"] }]).Single().RoleGroups.ShouldBe(["trino_worker"]);
        ImpliedRoles.IsImplied("alloy").ShouldBeTrue();
        ImpliedRoles.IsImplied("loki").ShouldBeFalse();
    }

    [Fact]
    public void Prometheus_scrapes_alloy_on_every_host_and_only_prometheus_may_reach_it()
    {
        var site = RenderedSites.Production;
        var prometheus = site.Site.HostsWith(PrometheusComponent.Server).First();
        var config = site.File(prometheus.Name, "/etc/prometheus/prometheus.yml").Content;
        config.ShouldContain("job_name: alloy\n");
        foreach (var h in site.Site.Hosts) config.ShouldContain($"{h.Address}:12345");
        var access = AlloyAccess.Firewall.Single();
        access.Callers.ShouldBe([PrometheusComponent.Server]);
        access.AllHosts.ShouldBeFalse();
    }

    [Fact]
    public void Extra_log_paths_are_shipped_and_a_hostile_site_name_stays_one_string()
    {
        var site = AppTests.WithVars(RenderedSites.Production.Site, ("alloy_extra_log_paths", new List<object> { "/var/log/nginx/*.log" }));
        var host = NotLoki(site);
        Strings(Config(site, host.Name), "{\"__path__\"").ShouldBe(["/var/log/datalyptica/**/*.log", "/var/log/nginx/*.log"]);

        // Validation refuses such a name; the renderer still cannot be made to write a block from it.
        const string hostile = "x\"\n}\nloki.write \"evil\" {\\";
        var named = new RenderedSite(RenderedSites.Production.Site with { Name = hostile },
            SiteRenderer.Render(RenderedSites.Production.Site with { Name = hostile }, componentId: "alloy"));
        var c = Config(named, host.Name);
        Strings(c, "site").ShouldBe([hostile]);
        Regex.Matches(c, @"^loki\.write ", RegexOptions.Multiline).Count.ShouldBe(1);
    }

    [Fact]
    public void Extra_log_paths_take_absolute_paths_and_globs_only()
    {
        AlloySettings.ExtraLogPaths.Check(new List<object> { "/var/log/nginx/*.log", "/srv/app/**/*.log" }).ShouldBeNull();
        AlloySettings.ExtraLogPaths.Check(new List<object> { "relative/*.log" }).ShouldNotBeNull();
        AlloySettings.ExtraLogPaths.Check(new List<object> { "/a\"b" }).ShouldNotBeNull();
    }

    [Fact]
    public void Ready_is_alloy_is_ready_on_200()
    {
        AlloyHealth.Judge(200, "Alloy is ready.\n").Status.ShouldBe(Datalyptica.Contracts.Health.HealthStatus.Healthy);
        AlloyHealth.Judge(503, "Alloy is not ready.\n").Status.ShouldBe(Datalyptica.Contracts.Health.HealthStatus.Failed);
    }

    [Fact]
    public void Renders_the_thousand_host_site_fast() => AppTests.RendersOnThousandHosts("alloy");

    /// <summary>Every string value of attribute <paramref name="name"/> ("name = "STRING""), read back as Alloy reads it.</summary>
    private static List<string> Strings(string config, string name) =>
        Regex.Matches(config, "^\\s*" + Regex.Escape(name) + "\\s*=\\s*(\"(?:[^\"\\\\\n]|\\\\.)*\")", RegexOptions.Multiline)
            .Select(m => AlloyLiteral.Read(m.Groups[1].Value)).ToList();

    /// <summary>The journal relabel rules that set the component label: component → regex.</summary>
    private static Dictionary<string, string> ComponentRules(string config) =>
        Regex.Matches(config, "regex         = (\"[^\n]*\")\n    target_label  = \"component\"\n    replacement   = (\"[^\n]*\")")
            .ToDictionary(m => AlloyLiteral.Read(m.Groups[2].Value), m => AlloyLiteral.Read(m.Groups[1].Value));
}

/// <summary>
/// An Alloy string literal read as Alloy reads it: grafana/alloy syntax/scanner/scanner.go (a raw newline or an
/// unknown escape is an error) and Go's strconv.Unquote (syntax/vm/constant.go).
/// </summary>
internal static class AlloyLiteral
{
    public static string Read(string literal)
    {
        if (literal.Length < 2 || literal[0] != '"' || literal[^1] != '"') throw new FormatException($"not a string literal: {literal}");
        var bytes = new List<byte>();
        void Text(string s) => bytes.AddRange(Encoding.UTF8.GetBytes(s));
        for (var i = 1; i < literal.Length - 1; i++)
        {
            var c = literal[i];
            if (c == '\n') throw new FormatException("string literal not terminated");
            if (c == '"') throw new FormatException("a '\"' ends the string early");
            if (c != '\\') { Text(char.IsHighSurrogate(c) ? literal.Substring(i++, 2) : c.ToString()); continue; }
            var e = literal[++i];
            switch (e)
            {
                case 'a': bytes.Add(7); break;
                case 'b': bytes.Add(8); break;
                case 'f': bytes.Add(12); break;
                case 'n': bytes.Add(10); break;
                case 'r': bytes.Add(13); break;
                case 't': bytes.Add(9); break;
                case 'v': bytes.Add(11); break;
                case '\\': bytes.Add((byte)'\\'); break;
                case '"': bytes.Add((byte)'"'); break;
                case 'x': bytes.Add(Convert.ToByte(literal.Substring(i + 1, 2), 16)); i += 2; break;
                case 'u': Text(char.ConvertFromUtf32(Convert.ToInt32(literal.Substring(i + 1, 4), 16))); i += 4; break;
                case 'U': Text(char.ConvertFromUtf32(Convert.ToInt32(literal.Substring(i + 1, 8), 16))); i += 8; break;
                case >= '0' and <= '7': bytes.Add(Convert.ToByte(literal.Substring(i, 3), 8)); i += 2; break;
                default: throw new FormatException($"unknown escape \\{e}");
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}

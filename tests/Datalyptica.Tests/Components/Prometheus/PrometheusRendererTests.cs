using Datalyptica.Components.Alertmanager;
using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Model;
using Datalyptica.Rendering;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Prometheus;

public class PrometheusRendererTests
{
    private static IEnumerable<RenderedSite> Sites => [RenderedSites.Production, RenderedSites.Development, RenderedSites.Generated1000];

    private static Dictionary<object, object> Yaml(string text) => (Dictionary<object, object>)YamlText.Parse(text)!;
    private static List<object> List(object o) => (List<object>)o;
    private static Dictionary<object, object> Dict(object o) => (Dictionary<object, object>)o;

    /// <summary>Writes one Prometheus host's files under a temp root, with rule_files pointing there.</summary>
    private static HostRoot Root(RenderedSite site, Host host, out string config)
    {
        var files = site.Host(host.Name).Files.Where(f => f.Path.StartsWith("/etc/prometheus/")).ToList();
        var root = new HostRoot(files);
        config = root.PathOf(PrometheusRenderer.ConfigPath);
        File.WriteAllText(config, File.ReadAllText(config).Replace(PrometheusRenderer.RulesDir, root.PathOf(PrometheusRenderer.RulesDir)));
        return root;
    }

    [Fact]
    public void Promtool_accepts_the_config_and_every_rule_file()
    {
        foreach (var site in Sites)
        {
            var host = site.Site.HostsWith(PrometheusComponent.Server).First();
            using var root = Root(site, host, out var config);
            var r = Tool.Run("promtool", ["check", "config", config]);
            r.ExitCode.ShouldBe(0, $"{site}: {r.Output}");
            var rules = Directory.GetFiles(root.PathOf(PrometheusRenderer.RulesDir), "*.yml");
            rules.Length.ShouldBeGreaterThan(5);
            r = Tool.Run("promtool", ["check", "rules", .. rules]);
            r.ExitCode.ShouldBe(0, $"{site}: {r.Output}");
        }
    }

    [Fact]
    public void Every_target_is_a_site_host_at_its_owners_port_and_every_host_has_node_exporter()
    {
        foreach (var site in Sites)
        {
            var byAddress = site.Site.Hosts.ToDictionary(h => h.Address.ToString());
            var replicas = new HashSet<string>();
            foreach (var (host, file) in site.FilesAt(PrometheusRenderer.ConfigPath))
            {
                var cfg = Yaml(file.Content);
                var labels = Dict(Dict(cfg["global"])["external_labels"]);
                labels["site"].ShouldBe(site.Site.Name);
                replicas.Add((string)labels["replica"]).ShouldBeTrue($"{site}: replica label must differ per member");
                var jobs = List(cfg["scrape_configs"]).Select(Dict).ToDictionary(j => (string)j["job_name"]);
                foreach (var (name, job) in jobs)
                {
                    var spec = ScrapeJobs.All.Single(j => j.Name == name);
                    var seen = new List<Host>();
                    foreach (var sc in List(job["static_configs"]).Select(Dict))
                    foreach (var target in List(sc["targets"]).Cast<string>())
                    {
                        var (addr, port) = (target[..target.LastIndexOf(':')], int.Parse(target[(target.LastIndexOf(':') + 1)..]));
                        byAddress.ShouldContainKey(addr, $"{site}: {name} scrapes {target}, not a host of the site");
                        var owner = byAddress[addr];
                        port.ShouldBe(owner.Port(spec.Port), $"{site}: {name} {target}");
                        Dict(sc["labels"])["host"].ShouldBe(owner.Name);
                        if (spec.Roles is { } roles) roles.Any(owner.Has).ShouldBeTrue($"{site}: {owner.Name} is not a {name} member");
                        seen.Add(owner);
                    }
                    var expected = spec.Roles is null ? site.Site.Hosts : spec.Roles.SelectMany(site.Site.HostsWith).ToList();
                    seen.ShouldBe(expected, ignoreOrder: true, $"{site}: {name}");
                }
                jobs["node"].ShouldNotBeNull();
                jobs.Keys.ShouldContain("redis");
                jobs.Keys.ShouldContain("etcd");
                // Alerts go to every Alertmanager directly, at its own port.
                var am = Dict(List(Dict(cfg["alerting"])["alertmanagers"]).Single());
                am["api_version"].ShouldBe("v2");
                List(Dict(List(am["static_configs"]).Single())["targets"]).Cast<string>().ShouldBe(
                    site.Site.HostsWith(AlertmanagerComponent.Server).Select(h => $"{h.Address}:{h.Port(AlertmanagerComponent.Http)}"));
            }
            replicas.Count.ShouldBe(site.Site.HostsWith(PrometheusComponent.Server).Count());
        }
    }

    [Fact]
    public void Ports_moved_on_one_host_are_scraped_where_they_are()
    {
        var site = RenderedSites.Development.Site;
        var redis = site.HostsWith(Datalyptica.Components.Redis.RedisComponent.Data).First();
        var moved = redis with { Vars = new Dictionary<string, Setting>(redis.Vars) { ["redis_exporter_port"] = new(9221, null), ["node_exporter_port"] = new(9200, null) } };
        var changed = site with { Hosts = site.Hosts.Select(h => h == redis ? moved : h).ToList() };
        var config = SiteRenderer.Render(changed, componentId: "prometheus").SelectMany(h => h.Files).First(f => f.Path == PrometheusRenderer.ConfigPath);
        var targets = List(Yaml(config.Content)["scrape_configs"]).Select(Dict)
            .ToDictionary(j => (string)j["job_name"], j => List(j["static_configs"]).Select(Dict).SelectMany(sc => List(sc["targets"]).Cast<string>()).ToList());
        targets["redis"].ShouldContain($"{redis.Address}:9221");
        targets["node"].ShouldContain($"{redis.Address}:9200");
        targets["redis"].ShouldNotContain($"{redis.Address}:9121");
        targets["node"].ShouldNotContain($"{redis.Address}:9100");
    }

    [Fact]
    public void Flags_carry_the_external_url_lifecycle_and_retention_within_the_disk()
    {
        foreach (var (host, file) in RenderedSites.Production.FilesAt(PrometheusRenderer.DefaultsPath))
        {
            file.Content.ShouldContain($"--web.listen-address={host.Address}:{host.Port(PrometheusComponent.Http)} ");
            file.Content.ShouldContain("--web.external-url=https://datalyptica.example.com/prometheus/ ");
            file.Content.ShouldContain("--web.enable-lifecycle");
            file.Content.ShouldContain("--storage.tsdb.retention.time=30d ");
            var size = int.Parse(System.Text.RegularExpressions.Regex.Match(file.Content, @"retention\.size=(\d+)GB").Groups[1].Value);
            size.ShouldBeLessThan(host.DiskGb);
        }
    }

    [Fact]
    public void Promtool_unit_tests_prove_key_alerts_fire()
    {
        var site = RenderedSites.Production;
        var host = site.Site.HostsWith(PrometheusComponent.Server).First();
        using var root = Root(site, host, out _);
        var rules = root.PathOf(PrometheusRenderer.RulesDir);
        var runbook = "https://datalyptica.example.com/runbooks";
        var etcd = site.Site.HostsWith(Datalyptica.Components.Etcd.EtcdComponent.Member).ToList();
        string Annotations(string file, string alert, string instance = "", string hostName = "")
        {
            var rule = List(Dict(List(Yaml(File.ReadAllText(Path.Combine(rules, file + ".yml")))["groups"]).Single())["rules"]).Select(Dict)
                .First(r => (string)r["alert"] == alert);
            return string.Join("\n", Dict(rule["annotations"]).Select(kv =>
                $"              {kv.Key}: '{((string)kv.Value).Replace("{{ $labels.instance }}", instance).Replace("{{ $labels.host }}", hostName).Replace("'", "''")}'"));
        }
        var test = $$"""
            rule_files:
              - {{rules}}/redis.yml
              - {{rules}}/etcd.yml
              - {{rules}}/targets.yml
            evaluation_interval: 1m
            tests:
              - interval: 1m
                input_series:
                  - series: 'redis_instance_info{job="redis",instance="a:9121",role="slave"}'
                    values: '1x10'
                  - series: 'redis_instance_info{job="redis",instance="b:9121",role="slave"}'
                    values: '1x10'
                  - series: 'up{job="etcd",instance="e1:2379",host="coord01"}'
                    values: '1x10'
                  - series: 'up{job="etcd",instance="e2:2379",host="coord02"}'
                    values: '0x10'
                  - series: 'up{job="etcd",instance="e3:2379",host="coord03"}'
                    values: '0x10'
                alert_rule_test:
                  - eval_time: 3m
                    alertname: RedisMasterMissing
                    exp_alerts:
                      - exp_labels: {severity: critical, component: redis}
                        exp_annotations:
            {{Annotations("redis", "RedisMasterMissing")}}
                  - eval_time: 3m
                    alertname: EtcdInsufficientMembers
                    exp_alerts:
                      - exp_labels: {severity: critical, component: etcd}
                        exp_annotations:
            {{Annotations("etcd", "EtcdInsufficientMembers")}}
                  - eval_time: 1m
                    alertname: EtcdInstanceDown
                    exp_alerts: []
                  - eval_time: 3m
                    alertname: EtcdInstanceDown
                    exp_alerts:
                      - exp_labels: {severity: warning, component: targets, job: etcd, instance: "e2:2379", host: coord02}
                        exp_annotations:
            {{Annotations("targets", "EtcdInstanceDown", "e2:2379", "coord02")}}
                      - exp_labels: {severity: warning, component: targets, job: etcd, instance: "e3:2379", host: coord03}
                        exp_annotations:
            {{Annotations("targets", "EtcdInstanceDown", "e3:2379", "coord03")}}
            """;
        etcd.Count.ShouldBe(3, "the test feeds 1 of 3 etcd members up");
        test.ShouldContain($"{runbook}/redis#redismastermissing");
        var path = Path.Combine(root.Path, "unit-test.yml");
        File.WriteAllText(path, test);
        var r = Tool.Run("promtool", ["test", "rules", path]);
        r.ExitCode.ShouldBe(0, r.Output);
        r.Output.ShouldContain("SUCCESS");
    }

    /// <summary>
    /// The backup alerts with the series the scheduled backup job writes (its metrics per member: whoever was primary ran
    /// it) and postgres_exporter's archiver counters: each fires on the series that should fire it and not otherwise.
    /// </summary>
    [Fact]
    public void Promtool_unit_tests_prove_the_backup_alerts_fire_and_stay_quiet()
    {
        var site = RenderedSites.Production;
        using var root = Root(site, site.Site.HostsWith(PrometheusComponent.Server).First(), out _);
        var rules = root.PathOf(PrometheusRenderer.RulesDir);
        var file = Path.Combine(rules, "pgbackrest.yml");
        File.Exists(file).ShouldBeTrue("the production site scrapes PostgreSQL, so it gets the backup alerts");
        string Expected(string alert, string labels, params (string Label, string Value)[] values)
        {
            var rule = List(Dict(List(Yaml(File.ReadAllText(file))["groups"]).Single())["rules"]).Select(Dict).First(r => (string)r["alert"] == alert);
            var annotations = string.Join("\n", Dict(rule["annotations"]).Select(kv => $"              {kv.Key}: '{values.Aggregate((string)kv.Value,
                (text, v) => text.Replace($"{{{{ $labels.{v.Label} }}}}", v.Value)).Replace("'", "''")}'"));
            return $"          - exp_labels: {{{labels}}}\n            exp_annotations:\n{annotations}";
        }
        const string Success = "datalyptica_pgbackrest_last_success_timestamp_seconds";
        const string Run = "datalyptica_pgbackrest_last_run_timestamp_seconds";
        // Full backup 0 s after the epoch on pg01, a differential at 100000 s on pg02 (a failover in between).
        var test = $$"""
            rule_files:
              - {{file}}
            evaluation_interval: 1m
            tests:
              - interval: 1m
                input_series:
                  - series: '{{Success}}{job="node",host="pg01",stanza="s",type="full"}'
                    values: '0x12000'
                  - series: '{{Success}}{job="node",host="pg02",stanza="s",type="diff"}'
                    values: '100000x12000'
                alert_rule_test:
                  - eval_time: 27h
                    alertname: PgBackRestBackupTooOld
                    exp_alerts: []
                  - eval_time: 150h
                    alertname: PgBackRestBackupTooOld
                    exp_alerts:
            {{Expected("PgBackRestBackupTooOld", "severity: warning, component: pgbackrest")}}
                  - eval_time: 150h
                    alertname: PgBackRestFullBackupTooOld
                    exp_alerts: []
                  - eval_time: 193h
                    alertname: PgBackRestFullBackupTooOld
                    exp_alerts:
            {{Expected("PgBackRestFullBackupTooOld", "severity: critical, component: pgbackrest")}}
                  - eval_time: 193h
                    alertname: PgBackRestNeverBackedUp
                    exp_alerts: []
              - interval: 1m
                input_series:
                  - series: '{{Success}}{job="node",host="pg01",stanza="s",type="full"}'
                    values: '1000x30'
                  - series: '{{Run}}{job="node",host="pg01",stanza="s",type="full"}'
                    values: '1000x30'
                  - series: '{{Success}}{job="node",host="pg02",stanza="s",type="full"}'
                    values: '0x30'
                  - series: '{{Run}}{job="node",host="pg02",stanza="s",type="full"}'
                    values: '0x10 5000x20'
                alert_rule_test:
                  - eval_time: 5m
                    alertname: PgBackRestScheduledBackupFailed
                    exp_alerts: []
                  - eval_time: 15m
                    alertname: PgBackRestScheduledBackupFailed
                    exp_alerts:
            {{Expected("PgBackRestScheduledBackupFailed", "severity: critical, component: pgbackrest, type: full", ("type", "full"))}}
              - interval: 1m
                input_series:
                  - series: 'pg_stat_archiver_failed_count{job="postgres",host="pg01"}'
                    values: '0x10 1+1x30'
                  - series: 'patroni_primary{job="patroni",host="pg01"}'
                    values: '1x40'
                  - series: 'pg_stat_archiver_failed_count{job="postgres",host="pg02"}'
                    values: '0+1x40'
                  - series: 'patroni_primary{job="patroni",host="pg02"}'
                    values: '0x40'
                alert_rule_test:
                  - eval_time: 9m
                    alertname: PostgreSQLWalArchivingFailing
                    exp_alerts: []
                  - eval_time: 30m
                    alertname: PostgreSQLWalArchivingFailing
                    exp_alerts:
            {{Expected("PostgreSQLWalArchivingFailing", "severity: critical, component: pgbackrest, job: postgres, host: pg01", ("host", "pg01"))}}
              - interval: 1h
                input_series:
                  - series: 'up{job="node",host="pg01"}'
                    values: '1x200'
                alert_rule_test:
                  - eval_time: 193h
                    alertname: PgBackRestNeverBackedUp
                    exp_alerts:
            {{Expected("PgBackRestNeverBackedUp", "severity: warning, component: pgbackrest")}}
            """;
        var path = Path.Combine(root.Path, "backup-alerts-test.yml");
        File.WriteAllText(path, test);
        var r = Tool.Run("promtool", ["test", "rules", path]);
        r.ExitCode.ShouldBe(0, r.Output + "\n" + test);
        r.Output.ShouldContain("SUCCESS");
    }

    [Fact]
    public void The_1000_host_site_renders_its_monitoring_files()
    {
        var site = RenderedSites.Generated1000.Site;
        // Speed is measured by bench/scale.sh; here: both render for every monitoring host.
        SiteRenderer.Render(site, componentId: "prometheus").SelectMany(h => h.Files).ShouldContain(f => f.Component == "prometheus");
        SiteRenderer.Render(site, componentId: "alertmanager").SelectMany(h => h.Files).ShouldContain(f => f.Component == "alertmanager");
    }
}

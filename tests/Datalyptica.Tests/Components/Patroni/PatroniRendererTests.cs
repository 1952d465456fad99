using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Datalyptica.Components.Etcd;
using Datalyptica.Components.HAProxy;
using Datalyptica.Components.Patroni;
using Datalyptica.Components.PostgreSQL;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Patroni;

public class PatroniRendererTests
{
    public static TheoryData<string> Sites => new() { "development", "production" };


    private static readonly Lazy<string> InitdbDir = new(InitTestCluster);

    [Theory]
    [MemberData(nameof(Sites))]
    public void Patroni_points_at_every_etcd_member_and_its_own_REST_and_PostgreSQL_ports(string siteName)
    {
        var site = RenderedSites.ByName(siteName);
        var etcd = site.Site.HostsWith(EtcdComponent.Member).Select(h => $"{h.Address}:{h.Port(EtcdComponent.Client)}").ToList();
        var members = site.Site.HostsWith(PatroniComponent.Member).ToList();
        var configs = site.FilesAt(PatroniRenderer.ConfigPath).ToList();
        configs.Select(c => c.Host.Name).ShouldBe(members.Select(m => m.Name));
        foreach (var (host, file) in configs)
        {
            var yaml = PgSites.Yaml(file.Content);
            yaml.Str("scope").ShouldBe(site.Site.Name);
            yaml.Str("name").ShouldBe(host.Name);
            yaml.Map("etcd3").List("hosts").Cast<string>().ShouldBe(etcd);
            yaml.Map("etcd3").Str("protocol").ShouldBe("https");
            // HAProxy checks each member's Patroni REST port: the one the member listens on.
            yaml.Map("restapi").Str("listen").ShouldBe($"{host.Address}:{host.Port(PatroniComponent.RestApi)}");
            yaml.Map("restapi").Str("connect_address").ShouldBe($"{host.Address}:{host.Port(PatroniComponent.RestApi)}");
            var pg = yaml.Map("postgresql");
            pg.Str("listen").ShouldBe($"{host.Address},127.0.0.1:{host.Port(PostgreSQLComponent.Server)}");
            pg.Str("connect_address").ShouldBe($"{host.Address}:{host.Port(PostgreSQLComponent.Server)}");
            pg.Str("data_dir").ShouldBe("/var/lib/postgresql/16/datalyptica");
            pg.Str("bin_dir").ShouldBe("/usr/lib/postgresql/16/bin");
            pg.List("create_replica_methods").ShouldBe(["pgbackrest", "basebackup"]);
            pg.Map("parameters").Str("archive_command").ShouldBe($"pgbackrest --stanza={site.Site.Name} archive-push %p");
            pg.Map("parameters").Str("vacuum_buffer_usage_limit").ShouldBe("2MB");
            var dcs = yaml.Map("bootstrap").Map("dcs");
            (int.Parse(dcs.Str("loop_wait")) + 2 * int.Parse(dcs.Str("retry_timeout"))).ShouldBeLessThanOrEqualTo(int.Parse(dcs.Str("ttl")));
            dcs.Str("synchronous_mode").ShouldBe("true");
            // Secrets only as placeholders, file readable by postgres but not by others.
            file.Mode.ShouldBe(Modes.Private);
            file.Group.ShouldBe("postgres");
            SecretPlaceholder.Find(file.Content).Order().ShouldBe(
                ["vault_patroni_rest_password", "vault_postgresql_replication_password", "vault_postgresql_rewind_password", "vault_postgresql_superuser_password"]);
        }
        // DCS-only parameters and the bootstrap section are identical on every member.
        configs.Select(c => YamlText(PgSites.Yaml(c.File.Content)["bootstrap"])).Distinct().Count().ShouldBe(1);
    }

    private static string YamlText(object o) => JsonSerializer.Serialize(o);

    [Theory]
    [MemberData(nameof(Sites))]
    public void Pg_hba_admits_every_member_and_every_HAProxy_host_and_rejects_the_rest(string siteName)
    {
        var site = RenderedSites.ByName(siteName);
        var proxies = site.Site.HostsWith(HAProxyComponent.Node).ToList();
        proxies.ShouldNotBeEmpty();
        foreach (var (host, file) in site.FilesAt(PatroniRenderer.ConfigPath))
        {
            var hba = PgSites.Yaml(file.Content).Map("postgresql").List("pg_hba").Cast<string>().ToList();
            foreach (var member in site.Site.HostsWith(PatroniComponent.Member))
            {
                hba.ShouldContain($"host replication replicator {member.Address}/32 scram-sha-256");
                hba.ShouldContain($"host all all {member.Address}/32 scram-sha-256");
            }
            foreach (var proxy in proxies) hba.ShouldContain($"host all all {proxy.Address}/32 scram-sha-256");
            hba[^1].ShouldBe("host all all 0.0.0.0/0 reject");
            hba.ShouldNotContain(l => l.Contains(" trust") || l.Contains(" md5"));
        }
    }

    [Fact]
    public void A_REST_port_moved_on_one_member_is_used_by_that_member_only()
    {
        var site = PgSites.WithHostVar(RenderedSites.Production.Site, "pg02", PatroniComponent.RestApi.VarName, 18008);
        PgSites.Yaml(PgSites.Files(site, "pg02").Single(f => f.Path == PatroniRenderer.ConfigPath).Content)
            .Map("restapi").Str("listen").ShouldBe("10.20.10.12:18008");
        PgSites.Yaml(PgSites.Files(site, "pg01").Single(f => f.Path == PatroniRenderer.ConfigPath).Content)
            .Map("restapi").Str("listen").ShouldBe("10.20.10.11:8008");
    }

    [Fact]
    public void Memory_follows_the_host_RAM_less_its_co_located_roles()
    {
        var prod = RenderedSites.Production;
        var dev = RenderedSites.Development;
        var prodParams = PgSites.Yaml(prod.File("pg01", PatroniRenderer.ConfigPath).Content).Map("postgresql").Map("parameters");
        var devParams = PgSites.Yaml(dev.File("db01", PatroniRenderer.ConfigPath).Content).Map("postgresql").Map("parameters");
        var prodHost = prod.Site.Hosts.Single(h => h.Name == "pg01");
        var devHost = dev.Site.Hosts.Single(h => h.Name == "db01");
        int Mb(string v) => v.EndsWith("GB") ? int.Parse(v[..^2]) * 1024 : int.Parse(v[..^2]);

        // Production's dedicated 64 GB host: RAM/4 of all but the OS's 1 GB.
        Mb(prodParams.Str("shared_buffers")).ShouldBe(63 * 1024 / 4 / 128 * 128);
        Mb(prodParams.Str("effective_cache_size")).ShouldBe(63 * 1024 * 3 / 4);
        // Development's 32 GB db host also runs etcd, ZooKeeper, Keeper and Keycloak: less than half of production's
        // shared_buffers although it has half the RAM.
        devHost.RamGb.ShouldBe(prodHost.RamGb / 2);
        var devBudget = PostgresLayout.BudgetMb(devHost);
        devBudget.ShouldBe((int)((32 - 1 - 2 - 1 - 2 - 2) * 1024));
        Mb(devParams.Str("shared_buffers")).ShouldBe(devBudget / 4 / 128 * 128);
        Mb(devParams.Str("shared_buffers")).ShouldBeLessThan(Mb(prodParams.Str("shared_buffers")) / 2);
        foreach (var (host, p) in new[] { (prodHost, prodParams), (devHost, devParams) })
        {
            var workMem = Mb(p.Str("work_mem"));
            workMem.ShouldBeGreaterThanOrEqualTo(4);
            // shared_buffers plus one work_mem per allowed connection stays inside the host.
            (Mb(p.Str("shared_buffers")) + workMem * int.Parse(PgSites.Yaml(prod.File("pg01", PatroniRenderer.ConfigPath).Content)
                .Map("bootstrap").Map("dcs").Map("postgresql").Map("parameters").Str("max_connections"))).ShouldBeLessThan(host.RamGb * 1024);
            Mb(p.Str("wal_buffers")).ShouldBe(16);
        }
    }

    [Fact]
    public void Strings_reach_Patroni_as_strings_through_a_YAML_1_1_reader()
    {
        // PyYAML (Patroni's reader) takes a plain `on` for True; every parameter must arrive as a string or a number.
        var file = RenderedSites.Production.File("pg01", PatroniRenderer.ConfigPath);
        using var root = new HostRoot([file]);
        var r = Tool.Run("python3", ["-c",
            "import sys, yaml, json; d = yaml.safe_load(open(sys.argv[1])); " +
            "p = dict(d['postgresql']['parameters']); p.update(d['bootstrap']['dcs']['postgresql']['parameters']); " +
            "print(json.dumps({k: type(v).__name__ for k, v in p.items()}))", root.PathOf(PatroniRenderer.ConfigPath)]);
        r.ExitCode.ShouldBe(0, r.Output);
        var types = JsonSerializer.Deserialize<Dictionary<string, string>>(r.Stdout)!;
        types["wal_log_hints"].ShouldBe("str");
        types["archive_mode"].ShouldBe("str");
        types.Values.ShouldAllBe(t => t == "str" || t == "int");
    }

    [Fact]
    public void Bad_DCS_timing_is_refused_by_validate_before_any_render()
    {
        var site = PgSites.WithSiteVar(RenderedSites.Production.Site, "patroni_retry_timeout", 15);
        var finding = Datalyptica.Validation.SiteValidator.Validate(site).Single(d => d.Code == "DL123");
        finding.Fix.ShouldContain("loop_wait + 2 × retry_timeout ≤ ttl");
    }

    [Fact]
    public void The_drop_in_passes_systemd_analyze_verify_with_Debians_unit()
    {
        SystemdCheck.VerifyWithDropIn("/lib/systemd/system/patroni.service",
            RenderedSites.Production.File("pg01", PatroniRenderer.DropInPath).Content);
    }

    [Fact]
    public void The_post_bootstrap_script_is_valid_shell_and_keeps_its_secret_private()
    {
        var file = RenderedSites.Production.File("pg01", PatroniRenderer.PostBootstrapPath);
        (file.Mode & UnixFileMode.OtherRead).ShouldBe((UnixFileMode)0);
        (file.Mode & UnixFileMode.GroupExecute).ShouldBe(UnixFileMode.GroupExecute);
        file.Group.ShouldBe("postgres");
        using var root = new HostRoot([file]);
        var r = Tool.Run("sh", ["-n", root.PathOf(file.Path)]);
        r.ExitCode.ShouldBe(0, r.Output);
        SecretPlaceholder.Find(file.Content).ShouldBe([PostgresLayout.MonitorPasswordKey]);
        // The stanza right after bootstrap (archiving fails until it exists), never failing the bootstrap itself.
        file.Content.ShouldContain($"pgbackrest --stanza={PostgresLayout.Stanza(RenderedSites.Production.Site)} stanza-create || echo ");
    }

    /// <summary>
    /// The real `patroni --validate-config` (Debian's 3.0.2) on a production and a development member. It binds and
    /// connects: site addresses become loopback addresses, the etcd members get listeners, bin_dir is this machine's
    /// PostgreSQL 15 (the site is rendered for 15) and data_dir a fresh folder.
    /// </summary>
    [Theory]
    [InlineData("production", "pg01")]
    [InlineData("development", "db02")]
    public void Real_patroni_validates_the_rendered_config(string siteName, string hostName)
    {
        var site = PgSites.WithPostgres(RenderedSites.ByName(siteName).Site, "15.18");
        var file = PgSites.Files(site, hostName).Single(f => f.Path == PatroniRenderer.ConfigPath);
        file.Content.ShouldContain("bin_dir: /usr/lib/postgresql/15/bin");
        var map = PgSites.LoopbackMap(site);
        var listeners = site.HostsWith(EtcdComponent.Member)
            .Select(h => new TcpListener(IPAddress.Parse(map[h.Address.ToString()]), h.Port(EtcdComponent.Client))).ToList();
        var dir = PgSites.TempDir("dl-patroni-");
        try
        {
            listeners.ForEach(l => l.Start());
            var text = PgSites.ToLoopback(SecretPlaceholder.Resolve(file.Content, HostRoot.DummySecret), map)
                .Replace("/var/lib/postgresql/15/datalyptica", Path.Combine(dir, "data"));
            var path = Path.Combine(dir, "config.yml");
            File.WriteAllText(path, text);
            var r = Tool.Run("patroni", ["--validate-config", path]);
            r.ExitCode.ShouldBe(0, r.Output);
            r.Output.Trim().ShouldBeEmpty();

            // And it can fail: a config whose etcd members are not there is refused.
            listeners.ForEach(l => l.Stop());
            var broken = Tool.Run("patroni", ["--validate-config", path]);
            broken.ExitCode.ShouldNotBe(0);
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
            Directory.Delete(dir, true);
        }
    }

    /// <summary>
    /// The real postgres (Debian's 15) accepts every rendered parameter, DCS and local: `postgres -C` reads the
    /// settings from the command line and checks names and values without starting the server.
    /// </summary>
    [Theory]
    [MemberData(nameof(Sites))]
    public void Real_postgres_accepts_every_rendered_parameter(string siteName)
    {
        var site = PgSites.WithPostgres(RenderedSites.ByName(siteName).Site, "15.18");
        var host = site.HostsWith(PatroniComponent.Member).First();
        var yaml = PgSites.Yaml(PgSites.Files(site, host.Name).Single(f => f.Path == PatroniRenderer.ConfigPath).Content);
        var parameters = yaml.Map("bootstrap").Map("dcs").Map("postgresql").Map("parameters")
            .Concat(yaml.Map("postgresql").Map("parameters")).ToList();
        parameters.ShouldNotContain(p => (string)p.Key == "vacuum_buffer_usage_limit", "PostgreSQL 15 has no vacuum_buffer_usage_limit");
        var r = Postgres(parameters.Select(p => $"{p.Key}={p.Value}"));
        r.ExitCode.ShouldBe(0, r.Output);

        // The check is real: PostgreSQL 15 refuses the 16-only parameter the renderer leaves out for it, and a bad value.
        Postgres(["vacuum_buffer_usage_limit=2MB"]).ExitCode.ShouldNotBe(0);
        Postgres(["huge_pages=sometimes"]).ExitCode.ShouldNotBe(0);
    }

    private static Tool.Result Postgres(IEnumerable<string> settings)
    {
        var args = new List<string> { "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/postgres", "-D", InitdbDir.Value, "-C", "shared_buffers" };
        foreach (var s in settings) { args.Add("-c"); args.Add(s); }
        return Tool.Run("runuser", args);
    }

    private static string InitTestCluster()
    {
        var dir = Path.Combine(Path.GetTempPath(), "dl-pg15-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        Tool.Run("chown", ["postgres:postgres", dir]).ExitCode.ShouldBe(0);
        var r = Tool.Run("runuser", ["-u", "postgres", "--", "/usr/lib/postgresql/15/bin/initdb", "-D", dir, "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]);
        r.ExitCode.ShouldBe(0, r.Output);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(dir, true); } catch (IOException) { } };
        return dir;
    }

    [Theory]
    [MemberData(nameof(Sites))]
    public void The_dcs_file_is_bootstrap_dcs_and_only_the_first_member_pushes_it(string siteName)
    {
        var site = RenderedSites.ByName(siteName);
        var members = site.Site.HostsWith(PatroniComponent.Member).ToList();
        foreach (var (host, file) in site.FilesAt(PatroniRenderer.DcsPath))
        {
            var bootstrap = PgSites.Yaml(site.File(host.Name, PatroniRenderer.ConfigPath).Content).Map("bootstrap").Map("dcs");
            JsonSerializer.Serialize(PgSites.Yaml(file.Content)).ShouldBe(JsonSerializer.Serialize(bootstrap));
        }
        site.FilesAt(PatroniRenderer.DcsPath).Count().ShouldBe(members.Count);
        site.FilesAt(PatroniRenderer.DcsCheckPath).Count().ShouldBe(members.Count);

        var desired = Datalyptica.Engine.Planning.DesiredStateBuilder.Build(site.Site, site.Hosts, Datalyptica.Engine.Planning.ArtifactCatalog.Empty);
        var pushers = desired.Where(d => d.Resources.Any(r => r.Resource.Id == "command:patroni-dcs")).Select(d => d.Host).ToList();
        pushers.ShouldBe([members[0].Name]);
        var patroni = desired.Single(d => d.Host == members[0].Name).Resources.Select(r => r.Resource).ToList();
        var service = patroni.OfType<Datalyptica.Engine.Resources.SystemdServiceResource>().Single(s => s.Unit == "patroni");
        service.Inputs.ShouldNotContain("command:patroni-dcs", "pushing the DCS must never restart Patroni");
        patroni.FindIndex(r => r.Id == "command:patroni-dcs").ShouldBeGreaterThan(patroni.IndexOf(service));
    }

    [Fact]
    public void The_dcs_check_passes_when_the_live_config_holds_every_value_fails_on_a_difference_and_passes_before_a_cluster_exists()
    {
        var site = RenderedSites.Development;
        var host = site.Site.HostsWith(PatroniComponent.Member).First();
        var temp = Directory.CreateTempSubdirectory("dl-dcs-check-").FullName;
        try
        {
            var want = Path.Combine(temp, "dcs.yml");
            File.WriteAllText(want, site.File(host.Name, PatroniRenderer.DcsPath).Content);
            var wanted = JsonSerializer.Serialize(PgSites.Yaml(File.ReadAllText(want)));
            var live = "";
            var (listener, server) = PgSites.Serve(() => System.Text.Encoding.UTF8.GetBytes(live));
            using var _ = listener;
            int Check(string members)
            {
                // The rendered script, pointed at this listener and at a Patroni config that does not exist (so the
                // `patronictl show-config` confirmation finds no DCS and cannot agree).
                var script = Path.Combine(temp, "check.py");
                var text = site.File(host.Name, PatroniRenderer.DcsCheckPath).Content;
                text = System.Text.RegularExpressions.Regex.Replace(text, "MEMBERS = \\[.*\\]", $"MEMBERS = [{members}]")
                    .Replace(PatroniRenderer.ConfigPath, Path.Combine(temp, "no-config.yml"));
                File.WriteAllText(script, text);
                return Tool.Run("python3", [script, want]).ExitCode;
            }
            var url = $"\"{server}/config\"";

            var same = System.Text.Json.Nodes.JsonNode.Parse(wanted)!;
            same["check_timeline"] = true; // a key only the DCS has is left alone
            live = same.ToJsonString();
            Check(url).ShouldBe(0, "the live configuration holds every wanted value");

            var changed = System.Text.Json.Nodes.JsonNode.Parse(wanted)!;
            changed["loop_wait"] = 99;
            live = changed.ToJsonString();
            Check(url).ShouldBe(1, "loop_wait differs");

            Check($"\"http://127.0.0.1:{PgSites.FreePort()}/config\"").ShouldBe(0, "no member answers yet: a new cluster bootstraps from these values");
            listener.Stop();
        }
        finally { Directory.Delete(temp, true); }
    }

}

/// <summary>The etcd-leader-away loop: only where etcd shares a host with Patroni, and a script Python compiles.</summary>
public class EtcdLeaderAwayTests
{
    [Fact]
    public void Only_hosts_that_run_both_etcd_and_patroni_get_the_loop()
    {
        foreach (var site in new[] { RenderedSites.ByName("development"), RenderedSites.ByName("production") })
        {
            var expected = site.Site.HostsWith(PatroniComponent.Member).Where(h => h.Has(EtcdComponent.Member)).Select(h => h.Name).ToList();
            site.FilesAt(PatroniRenderer.EtcdLeaderAwayPath).Select(f => f.Host.Name).ShouldBe(expected, site.Site.Name);
            site.FilesAt(PatroniRenderer.EtcdLeaderAwayUnitPath).Select(f => f.Host.Name).ShouldBe(expected, site.Site.Name);
        }
        // Production puts etcd on the coordination tier: no Patroni host runs the loop there.
        RenderedSites.ByName("production").FilesAt(PatroniRenderer.EtcdLeaderAwayPath).ShouldBeEmpty();
    }

    [Fact]
    public void The_script_compiles_and_names_this_hosts_patroni_and_every_etcd_member()
    {
        var site = RenderedSites.ByName("development");
        var (host, script) = site.FilesAt(PatroniRenderer.EtcdLeaderAwayPath).First();
        script.Content.ShouldContain($"\"http://{host.Address}:{host.Port(PatroniComponent.RestApi)}/primary\"");
        script.Content.ShouldContain($"LOCAL = \"https://{host.Address}:{host.Port(EtcdComponent.Client)}\"");
        foreach (var other in site.Site.HostsWith(EtcdComponent.Member).Where(h => h != host))
            script.Content.ShouldContain($"\"https://{other.Address}:{other.Port(EtcdComponent.Client)}\"");
        var file = Path.Combine(Path.GetTempPath(), $"dl-leader-away-{Guid.NewGuid():N}.py");
        try
        {
            File.WriteAllText(file, script.Content);
            var compiled = Tool.Run("python3", ["-m", "py_compile", file]);
            compiled.ExitCode.ShouldBe(0, compiled.Output);
        }
        finally { File.Delete(file); File.Delete(file + "c"); }
        var unit = site.FilesAt(PatroniRenderer.EtcdLeaderAwayUnitPath).First().File;
        unit.Content.ShouldContain($"ExecStart={PatroniRenderer.EtcdLeaderAwayPath}");
        unit.Kind.ShouldBe(FileKind.SystemdUnit);
    }
}

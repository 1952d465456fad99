using Datalyptica.Components.PostgreSQL;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Rendering;
using Datalyptica.Tests.Components.Patroni;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.PostgreSQL;

public class PostgreSQLRendererTests
{
    public static TheoryData<string> Sites => new() { "development", "production" };


    [Theory]
    [MemberData(nameof(Sites))]
    public void PgBackRest_uses_the_sites_backups_bucket_and_lists_every_other_member(string siteName)
    {
        var site = RenderedSites.ByName(siteName);
        var store = site.Site.ObjectStore!;
        var members = site.Site.HostsWith(PostgreSQLComponent.Member).ToList();
        foreach (var (host, file) in site.FilesAt(PgBackRest.ConfigPath))
        {
            var ini = IniText.Parse(file.Content);
            var global = ini["global"];
            global["repo1-type"].ShouldBe("s3");
            global["repo1-s3-bucket"].ShouldBe(store.Buckets["backups"]);
            global["repo1-s3-endpoint"].ShouldBe(new Uri(store.Endpoint).Host);
            global["repo1-s3-region"].ShouldBe(store.Region);
            global.GetValueOrDefault("repo1-s3-uri-style").ShouldBe(store.PathStyle ? "path" : null);
            global["repo1-s3-key"].ShouldBe(SecretPlaceholder.For(store.AccessKey.VarName));
            global["repo1-s3-key-secret"].ShouldBe(SecretPlaceholder.For(store.SecretKey.VarName));
            global["repo1-cipher-pass"].ShouldBe(SecretPlaceholder.For(PgBackRest.CipherPassKey));
            global["repo1-retention-full-type"].ShouldBe("time");
            global["backup-standby"].ShouldBe("y");
            global["archive-async"].ShouldBe("y");
            global["tls-server-address"].ShouldBe(host.Address.ToString());
            global["tls-server-port"].ShouldBe(host.Port(PostgreSQLComponent.PgBackRestTls).ToString());
            int.Parse(global["process-max"]).ShouldBe(Math.Max(1, host.VCpu / 4));

            var stanza = ini[site.Site.Name];
            stanza["pg1-path"].ShouldBe("/var/lib/postgresql/16/datalyptica");
            stanza["pg1-port"].ShouldBe(host.Port(PostgreSQLComponent.Server).ToString());
            stanza.ShouldNotContainKey("pg1-host");
            var others = members.Where(m => m != host).ToList();
            for (var i = 0; i < others.Count; i++)
            {
                stanza[$"pg{i + 2}-host"].ShouldBe($"{others[i].Name}.{site.Site.Domain}"); // by name: the certificate's SAN
                stanza[$"pg{i + 2}-host-port"].ShouldBe(others[i].Port(PostgreSQLComponent.PgBackRestTls).ToString());
                stanza[$"pg{i + 2}-port"].ShouldBe(others[i].Port(PostgreSQLComponent.Server).ToString());
            }
            stanza.ShouldNotContainKey($"pg{others.Count + 2}-host");

            file.Mode.ShouldBe(Modes.Private);
            file.Group.ShouldBe("postgres");
        }
    }

    [Fact]
    public void A_moved_TLS_port_on_one_member_is_what_the_others_dial()
    {
        var site = PgSites.WithHostVar(RenderedSites.Production.Site, "pg03", PostgreSQLComponent.PgBackRestTls.VarName, 18432);
        var ini = IniText.Parse(PgSites.Files(site, "pg01").Single(f => f.Path == PgBackRest.ConfigPath).Content);
        ini["production"]["pg3-host"].ShouldBe("pg03.datalyptica.example.com");
        ini["production"]["pg3-host-port"].ShouldBe("18432");
        ini["production"]["pg2-host-port"].ShouldBe("8432");
    }

    /// <summary>
    /// The real pgBackRest (Debian's 2.45) parses the rendered file for the commands the platform runs: `help CMD`
    /// loads the configuration and checks every option's name, range and dependencies without contacting S3.
    /// </summary>
    [Theory]
    [MemberData(nameof(Sites))]
    public void Real_pgbackrest_accepts_the_rendered_config(string siteName)
    {
        var site = RenderedSites.ByName(siteName);
        var (host, file) = site.FilesAt(PgBackRest.ConfigPath).First();
        using var root = new HostRoot([file]);
        var config = root.PathOf(PgBackRest.ConfigPath);
        foreach (var command in new[] { "backup", "archive-push", "archive-get", "restore", "expire" })
        {
            var r = Tool.Run("pgbackrest", [$"--config={config}", $"--stanza={site.Site.Name}", "help", command]);
            r.ExitCode.ShouldBe(0, $"{host.Name} {command}: {r.Output}");
            Problems(r).ShouldBeEmpty(r.Output);
        }
        var server = Tool.Run("pgbackrest", [$"--config={config}", "help", "server"]);
        server.ExitCode.ShouldBe(0, server.Output);
        Problems(server).ShouldBeEmpty(server.Output);

        // The check can fail: pgBackRest 2.45 refuses block incremental without --beta, which is why it is not rendered.
        File.AppendAllText(config, "repo1-block=y\n");
        Problems(Tool.Run("pgbackrest", [$"--config={config}", $"--stanza={site.Site.Name}", "help", "backup"])).ShouldNotBeEmpty();
    }

    /// <summary>The lab's shape: a private CA for the store (rendered next to the config) and retention by count.</summary>
    [Fact]
    public void A_private_CA_and_retention_by_count_render_and_real_pgbackrest_accepts_them()
    {
        var ca = Datalyptica.Lab.ObjectStore.LabCertificates.CreateCa("render test CA", TimeSpan.FromDays(1)).CertificatePem;
        var site = RenderedSites.Production.Site;
        site = site with { ObjectStore = site.ObjectStore! with { CaCertificate = ca } };
        site = PgSites.WithSiteVar(PgSites.WithSiteVar(site, PostgreSQLSettings.RetentionFullType.Key, "count"), PostgreSQLSettings.RetentionFull.Key, 2);
        var files = PgSites.Files(site, "pg01");
        var caFile = files.Single(f => f.Path == PgBackRest.ObjectStoreCaPath);
        caFile.Content.ShouldBe(ca);
        var config = files.Single(f => f.Path == PgBackRest.ConfigPath);
        var global = IniText.Parse(config.Content)["global"];
        global["repo1-storage-ca-file"].ShouldBe(PgBackRest.ObjectStoreCaPath);
        global["repo1-retention-full-type"].ShouldBe("count");
        global["repo1-retention-full"].ShouldBe("2");
        global.ShouldNotContainKey("repo1-storage-verify-tls"); // verification stays on

        using var root = new HostRoot([config, caFile]);
        var path = root.PathOf(PgBackRest.ConfigPath);
        File.WriteAllText(path, File.ReadAllText(path).Replace(PgBackRest.ObjectStoreCaPath, root.PathOf(PgBackRest.ObjectStoreCaPath)));
        var r = Tool.Run("pgbackrest", [$"--config={path}", $"--stanza={site.Name}", "help", "expire"]);
        r.ExitCode.ShouldBe(0, r.Output);
        Problems(r).ShouldBeEmpty(r.Output);

        // A type pgBackRest does not know is refused by validate, which every verb runs before rendering.
        var weekly = PgSites.WithSiteVar(site, PostgreSQLSettings.RetentionFullType.Key, "weekly");
        Datalyptica.Validation.SiteValidator.Validate(weekly).Single(d => d.Code == "DL551").Message.ShouldContain("'weekly' is not one of time, count");
    }

    private static List<string> Problems(Tool.Result r) =>
        r.Output.Split('\n').Where(l => l.StartsWith("WARN:", StringComparison.Ordinal) || l.StartsWith("ERROR:", StringComparison.Ordinal)).ToList();

    [Theory]
    [MemberData(nameof(Sites))]
    public void The_exporter_listens_on_its_host_and_reads_this_member_as_the_monitor_role(string siteName)
    {
        var site = RenderedSites.ByName(siteName);
        foreach (var (host, file) in site.FilesAt(PostgreSQLRenderer.ExporterDefaultsPath))
        {
            var env = file.Content.Split('\n').Where(l => l.Length > 0 && l[0] != '#')
                .Select(l => l.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1].Trim('\''));
            env["ARGS"].ShouldContain($"--web.listen-address={host.Address}:{host.Port(PostgreSQLComponent.Exporter)}");
            env["DATA_SOURCE_URI"].ShouldStartWith($"127.0.0.1:{host.Port(PostgreSQLComponent.Server)}/");
            env["DATA_SOURCE_USER"].ShouldBe(PostgresLayout.MonitorUser);
            env["DATA_SOURCE_PASS"].ShouldBe(SecretPlaceholder.For(PostgresLayout.MonitorPasswordKey));
            file.Mode.ShouldBe(Modes.Private);
            file.Group.ShouldBe("prometheus");
        }
    }

    /// <summary>The real exporter (Debian's 0.11) accepts the rendered ARGS: its flag parser rejects unknown flags before --version.</summary>
    [Fact]
    public void Real_exporter_accepts_the_rendered_flags()
    {
        var content = RenderedSites.Production.File("pg01", PostgreSQLRenderer.ExporterDefaultsPath).Content;
        var args = content.Split('\n').Single(l => l.StartsWith("ARGS=")).Split('=', 2)[1].Trim('\'').Split(' ').ToList();
        var ok = Tool.Run("prometheus-postgres-exporter", [.. args, "--version"]);
        ok.ExitCode.ShouldBe(0, ok.Output);
        Tool.Run("prometheus-postgres-exporter", [.. args, "--web.listen-adress=x", "--version"]).ExitCode.ShouldNotBe(0);
    }

    [Fact]
    public void The_tmpfiles_entries_are_accepted_by_systemd_tmpfiles()
    {
        var file = RenderedSites.Production.File("pg01", PostgreSQLRenderer.TmpfilesPath);
        var dir = PgSites.TempDir("dl-tmpfiles-");
        try
        {
            // --root resolves users and groups in the root's own /etc.
            Directory.CreateDirectory(Path.Combine(dir, "etc"));
            File.Copy("/etc/passwd", Path.Combine(dir, "etc/passwd"));
            File.Copy("/etc/group", Path.Combine(dir, "etc/group"));
            var conf = Path.Combine(dir, "datalyptica-postgresql.conf");
            File.WriteAllText(conf, file.Content);
            var r = Tool.Run("systemd-tmpfiles", ["--create", $"--root={dir}", conf]);
            r.ExitCode.ShouldBe(0, r.Output);
            r.Output.Trim().ShouldBeEmpty();
            Directory.Exists(Path.Combine(dir, "var/log/datalyptica/postgresql")).ShouldBeTrue();
            Directory.Exists(Path.Combine(dir, "var/spool/pgbackrest")).ShouldBeTrue();
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Every_built_in_profile_renders_and_the_DR_site_backs_up_to_its_own_bucket()
    {
        foreach (var profile in Datalyptica.Profiles.BuiltInProfiles.All)
        {
            var site = Datalyptica.Profiles.ProfileExpander.Expand(profile, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qk");
            var files = SiteRenderer.Render(site).SelectMany(h => h.Files).ToList();
            files.Count(f => f.Path == PgBackRest.ConfigPath).ShouldBe(site.HostsWith(PostgreSQLComponent.Member).Count(), profile.Name);
            foreach (var f in files.Where(f => f.Path == PgBackRest.ConfigPath))
                IniText.Parse(f.Content)["global"]["repo1-s3-bucket"].ShouldBe(site.ObjectStore!.Buckets["backups"]);
        }
        Datalyptica.Profiles.BuiltInProfiles.Dr.Name.ShouldBe("dr");
    }

    [Fact]
    public void The_1000_host_site_renders_these_components()
    {
        var site = RenderedSites.Generated1000.Site;
        // Speed is measured by bench/scale.sh; here: each renders for its members.
        foreach (var id in new[] { "etcd", "postgresql", "patroni" })
            SiteRenderer.Render(site, null, id).SelectMany(h => h.Files).ShouldContain(f => f.Component == id);
    }
}

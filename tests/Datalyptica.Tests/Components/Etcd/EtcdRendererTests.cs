using System.Diagnostics;
using System.Text.RegularExpressions;
using Datalyptica.Components.Etcd;
using Datalyptica.Contracts;
using Datalyptica.Tests.Components.Patroni;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Etcd;

public class EtcdRendererTests
{
    public static TheoryData<string> Sites => new() { "development", "staging", "production", "generated-1000" };


    [Theory]
    [MemberData(nameof(Sites))]
    public void Every_member_lists_exactly_the_members_in_one_identical_initial_cluster(string siteName)
    {
        var site = RenderedSites.ByName(siteName);
        var members = site.Site.HostsWith(EtcdComponent.Member).ToList();
        members.Count.ShouldBeGreaterThanOrEqualTo(3);
        var configs = site.FilesAt(EtcdRenderer.ConfigPath).ToList();
        configs.Select(c => c.Host.Name).ShouldBe(members.Select(m => m.Name));

        var expected = string.Join(',', members.Select(m => $"{m.Name}=https://{m.Address}:{m.Port(EtcdComponent.Peer)}"));
        foreach (var (host, file) in configs)
        {
            var yaml = PgSites.Yaml(file.Content);
            yaml.Str("name").ShouldBe(host.Name);
            yaml.Str("initial-cluster").ShouldBe(expected);
            yaml.Str("initial-cluster-token").ShouldBe($"datalyptica-{site.Site.Name}-etcd");
            yaml.Str("initial-cluster-state").ShouldBe("new");
            yaml.Str("initial-advertise-peer-urls").ShouldBe($"https://{host.Address}:{host.Port(EtcdComponent.Peer)}");
            yaml.Str("listen-peer-urls").ShouldBe(yaml.Str("initial-advertise-peer-urls"));
            yaml.Str("listen-client-urls").ShouldBe($"https://{host.Address}:{host.Port(EtcdComponent.Client)},https://127.0.0.1:{host.Port(EtcdComponent.Client)}");
            yaml.Str("advertise-client-urls").ShouldBe($"https://{host.Address}:{host.Port(EtcdComponent.Client)}");
            // Same timing on every member (etcd tuning guide), election well inside Patroni's retry_timeout.
            yaml.Str("heartbeat-interval").ShouldBe("1000");
            yaml.Str("election-timeout").ShouldBe("5000");
            yaml.Str("auto-compaction-mode").ShouldBe("periodic");
            long.Parse(yaml.Str("quota-backend-bytes")).ShouldBeLessThanOrEqualTo(8L << 30);
            foreach (var section in new[] { "client-transport-security", "peer-transport-security" })
            {
                var tls = yaml.Map(section);
                tls.Str("client-cert-auth").ShouldBe("true");
                tls.Str("cert-file").ShouldStartWith(EtcdRenderer.PkiDir + "/");
                tls.Str("trusted-ca-file").ShouldBe(EtcdRenderer.PkiDir + "/ca.crt");
            }
            file.ContainsSecrets.ShouldBeFalse();
            file.Group.ShouldBe("etcd");
        }
        // The Debian unit reads /etc/default/etcd, which names the config file.
        foreach (var (_, file) in site.FilesAt(EtcdRenderer.DefaultsPath))
            file.Content.ShouldContain($"ETCD_CONFIG_FILE={EtcdRenderer.ConfigPath}\n");
    }

    [Fact]
    public void A_peer_port_moved_on_one_member_is_what_every_member_uses_for_it()
    {
        var site = PgSites.WithHostVar(RenderedSites.Production.Site, "coord02", EtcdComponent.Peer.VarName, 12380);
        foreach (var name in new[] { "coord01", "coord02", "coord03" })
        {
            var yaml = PgSites.Yaml(PgSites.Files(site, name).Single(f => f.Path == EtcdRenderer.ConfigPath).Content);
            yaml.Str("initial-cluster").ShouldContain("coord02=https://10.20.15.12:12380");
            yaml.Str("initial-cluster").ShouldContain("coord01=https://10.20.15.11:2380");
            if (name == "coord02") yaml.Str("listen-peer-urls").ShouldBe("https://10.20.15.12:12380");
        }
    }

    [Fact]
    public void Bad_timing_is_refused_by_validate_before_any_render()
    {
        var site = PgSites.WithSiteVar(RenderedSites.Production.Site, "etcd_election_timeout", 2000);
        var finding = Datalyptica.Validation.SiteValidator.Validate(site).Single(d => d.Code == "DL554");
        finding.Fix.ShouldContain("at least 5000 ms");
    }

    [Fact]
    public void The_drop_in_passes_systemd_analyze_verify_with_Debians_unit()
    {
        var dropIn = RenderedSites.Development.File("db01", EtcdRenderer.DropInPath).Content;
        SystemdCheck.VerifyWithDropIn("/lib/systemd/system/etcd.service", dropIn);
    }

    /// <summary>
    /// The real etcd (Debian's etcd-server, 3.4) starts from the rendered file, found through the rendered
    /// /etc/default/etcd variable, as a one-member cluster on loopback: only addresses, ports, the member list,
    /// the data dir and certificate paths are changed.
    /// </summary>
    [Fact]
    public async Task Real_etcd_starts_from_the_rendered_config_on_loopback()
    {
        var rendered = RenderedSites.Production;
        var file = rendered.File("coord01", EtcdRenderer.ConfigPath).Content;
        var defaults = rendered.File("coord01", EtcdRenderer.DefaultsPath).Content;
        var dir = PgSites.TempDir("dl-etcd-");
        try
        {
            var (cert, key) = PgSites.SelfSignedCert(dir);
            var map = PgSites.LoopbackMap(rendered.Site);
            int client = PgSites.FreePort(), peer = PgSites.FreePort(), metrics = PgSites.FreePort();
            var ip = map["10.20.15.11"];
            var text = PgSites.ToLoopback(file, map)
                .Replace(":2379", $":{client}").Replace(":2380", $":{peer}").Replace(":2381", $":{metrics}");
            text = Regex.Replace(text, "(?m)^initial-cluster: .*$", $"initial-cluster: coord01=https://{ip}:{peer}");
            text = Regex.Replace(text, "(?m)^data-dir: .*$", $"data-dir: {dir}/data");
            text = Regex.Replace(text, @"/etc/datalyptica/etcd/pki/\w+\.crt", cert);
            text = Regex.Replace(text, @"/etc/datalyptica/etcd/pki/\w+\.key", key);
            var config = Path.Combine(dir, "etcd.conf.yml");
            File.WriteAllText(config, text);

            defaults.ShouldContain("ETCD_CONFIG_FILE=");
            var start = new ProcessStartInfo(Tool.Resolve("etcd"))
            {
                RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
                Environment = { ["ETCD_CONFIG_FILE"] = config, ["ETCD_NAME"] = "wrong-name-from-debian-unit" },
            };
            using var etcd = Process.Start(start)!;
            var log = new System.Text.StringBuilder();
            etcd.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
            etcd.BeginErrorReadLine();
            etcd.BeginOutputReadLine();
            try
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
                string? health = null;
                for (var i = 0; i < 60 && health is null && !etcd.HasExited; i++)
                {
                    try { health = await http.GetStringAsync($"http://{ip}:{metrics}/health"); }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { await Task.Delay(250); }
                }
                string Log() { lock (log) return log.ToString(); }
                health.ShouldNotBeNull($"etcd did not become healthy:\n{Log()}");
                health.ShouldContain("\"health\":\"true\"");
                // The member took its name from the file, not from the unit's ETCD_NAME=%H.
                Log().ShouldContain("coord01");
                Log().ShouldNotContain("wrong-name-from-debian-unit");
            }
            finally
            {
                if (!etcd.HasExited) { etcd.Kill(); etcd.WaitForExit(5000); }
            }
        }
        finally { Directory.Delete(dir, true); }
    }
}

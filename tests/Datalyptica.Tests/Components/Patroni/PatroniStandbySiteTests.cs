using System.Net;
using System.Text.Json;
using Datalyptica.Components.HAProxy;
using Datalyptica.Components.OsBaseLayer;
using Datalyptica.Components.Patroni;
using Datalyptica.Components.PostgreSQL;
using Datalyptica.Contracts;
using Datalyptica.Model;
using Datalyptica.Profiles;
using Datalyptica.Rendering;
using Datalyptica.Tests.Components.OsBaseLayer;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Patroni;

/// <summary>Disaster recovery between two sites: what the primary and the standby site render, and the guard against demoting.</summary>
public class PatroniStandbySiteTests
{
    private static readonly Lazy<RenderedSite> Standby = new(() => RenderedSite.Of(BuiltInProfiles.Dr));

    private static readonly Lazy<(Site Site, IReadOnlyList<HostFiles> Hosts)> PrimaryWithStandby = new(() =>
    {
        // A documentation network (RFC 5737), outside the default client networks (RFC 1918), so nothing else admits it.
        var site = PgSites.WithSiteVar(RenderedSites.Production.Site, PatroniStandbySite.StandbyNetworks.Key, new List<object> { "198.51.100.0/24" });
        return (site, SiteRenderer.Render(site));
    });

    private static string FileOn(IReadOnlyList<HostFiles> hosts, Host host, string path) =>
        hosts.Single(h => h.Host.Name == host.Name).Files.Single(f => f.Path == path).Content;

    [Fact]
    public void A_standby_site_streams_from_the_primary_VIP_through_the_slot_at_bootstrap_and_in_the_live_DCS()
    {
        var site = Standby.Value;
        var members = site.Site.HostsWith(PatroniComponent.Member).ToList();
        members.ShouldNotBeEmpty();
        foreach (var member in members)
        {
            foreach (var dcs in new[]
                     {
                         PgSites.Yaml(site.File(member.Name, PatroniRenderer.ConfigPath).Content).Map("bootstrap").Map("dcs"),
                         PgSites.Yaml(site.File(member.Name, PatroniRenderer.DcsPath).Content),
                     })
            {
                var standby = dcs.Map("standby_cluster");
                standby.Str("host").ShouldBe("10.20.1.100", "the production profile's first VIP");
                standby["port"].ToString().ShouldBe(HAProxyComponent.PostgresPrimary.Number.ToString());
                standby.Str("primary_slot_name").ShouldBe(PatroniStandbySite.SlotName);
                standby.List("create_replica_methods").ShouldBe(["basebackup"]);
                standby.Str("restore_command").ShouldBe("pgbackrest --stanza=production --repo=1 archive-get %f \"%p\"",
                    "the dr profile falls back to the production stanza when streaming stops");
                dcs.ContainsKey("slots").ShouldBeFalse("the standby site keeps no slot for a standby of its own");
            }
            // The production stanza reads production's backups bucket; the standby's own repository stays its own bucket.
            var ini = Datalyptica.Contracts.Formats.IniText.Parse(site.File(member.Name, PgBackRest.ConfigPath).Content);
            ini["production"]["repo1-s3-bucket"].ShouldBe("datalyptica-backups");
            ini["global"]["repo1-s3-bucket"].ShouldBe("datalyptica-dr-backups");
        }
        Datalyptica.Validation.SiteValidator.Validate(site.Site).Where(d => d.Code is "DL125" or "DL126" or "DL127").ShouldBeEmpty();
    }

    [Fact]
    public void A_standby_naming_only_half_of_the_primarys_repository_is_refused_and_streams_only_without_it()
    {
        var standby = Standby.Value.Site;
        var half = standby with { Vars = standby.Vars.Where(v => v.Key != PatroniStandbySite.PrimaryStanza.Key).ToDictionary() };
        var finding = Datalyptica.Validation.SiteValidator.Validate(half).Single(d => d.Code == "DL127");
        finding.Message.ShouldContain("dr_primary_backups_bucket but not dr_primary_stanza");
        PatroniStandbySite.StandbyCluster(half).ShouldNotBeNull().ContainsKey("restore_command").ShouldBeFalse();
    }

    [Fact]
    public void A_primary_site_without_a_standby_keeps_no_slot_and_admits_no_replication_through_its_proxies()
    {
        var site = RenderedSites.Production;
        var member = site.Site.HostsWith(PatroniComponent.Member).First();
        var dcs = PgSites.Yaml(site.File(member.Name, PatroniRenderer.DcsPath).Content);
        dcs.ContainsKey("slots").ShouldBeFalse("an unused permanent slot would hold WAL back on every member");
        dcs.ContainsKey("standby_cluster").ShouldBeFalse();
        var proxies = site.Site.HostsWith(HAProxyComponent.Node).Select(h => h.Address.ToString()).ToList();
        PgSites.Yaml(site.File(member.Name, PatroniRenderer.ConfigPath).Content).Map("postgresql").List("pg_hba").Cast<string>()
            .Where(l => l.StartsWith("host replication", StringComparison.Ordinal))
            .ShouldNotContain(l => proxies.Any(p => l.Contains($" {p}/32 ", StringComparison.Ordinal)));
        foreach (var lb in site.Site.HostsWith(HAProxyComponent.Node))
            site.File(lb.Name, Nftables.ConfigPath).Content.ShouldNotContain("dr_standby_networks");
    }

    [Fact]
    public void A_primary_site_with_standby_networks_keeps_the_slot_admits_them_through_HAProxy_and_nowhere_else()
    {
        var (site, hosts) = PrimaryWithStandby.Value;
        var drHost = IPAddress.Parse("198.51.100.11");
        foreach (var member in site.HostsWith(PatroniComponent.Member))
        {
            var dcs = PgSites.Yaml(FileOn(hosts, member, PatroniRenderer.DcsPath));
            dcs.Map("slots").Map(PatroniStandbySite.SlotName).Str("type").ShouldBe("physical");
            var hba = PgSites.Yaml(FileOn(hosts, member, PatroniRenderer.ConfigPath)).Map("postgresql").List("pg_hba").Cast<string>().ToList();
            // The standby's connection arrives from a load balancer (or a VIP it holds), never from the standby's own address.
            foreach (var source in site.HostsWith(HAProxyComponent.Node).Select(h => h.Address).Concat(site.Vips.Select(v => v.Address)))
                hba.ShouldContain($"host replication {PostgresLayout.ReplicationUser} {source}/32 scram-sha-256");
            hba.ShouldNotContain(l => l.Contains("198.51.100.", StringComparison.Ordinal));
            hba.IndexOf("host all all 0.0.0.0/0 reject").ShouldBe(hba.Count - 1);
        }
        var primaryPort = $"tcp dport {HAProxyComponent.PostgresPrimary.Number}";
        foreach (var host in site.Hosts)
        {
            var firewall = Firewall.Parse(FileOn(hosts, host, Nftables.ConfigPath));
            if (host.Has(HAProxyComponent.Node))
                firewall.Allows(primaryPort, drHost).ShouldBeTrue($"{host.Name}: the standby site reaches the primary's leader through HAProxy");
            foreach (var (match, _) in firewall.Rules.Where(r => r.Match != primaryPort || !host.Has(HAProxyComponent.Node)))
                firewall.Allows(match, drHost).ShouldBeFalse($"{host.Name}: '{match}' must stay closed to the standby site");
        }
        var lb = site.HostsWith(HAProxyComponent.Node).First();
        using var root = new HostRoot(hosts.Single(h => h.Host.Name == lb.Name).Files);
        var check = Tool.Run("unshare", ["-n", Tool.Resolve("nft"), "-c", "-f", root.PathOf(Nftables.ConfigPath)]);
        check.ExitCode.ShouldBe(0, check.Output);
    }

    [Fact]
    public void The_verbs_refuse_nothing_here_but_secrets_shared_with_the_primary_are_the_database_roles()
    {
        var keys = PatroniStandbySite.SharedSecretKeys(RenderedSites.Production.Site);
        keys.ShouldContain(PostgresLayout.SuperuserPasswordKey);
        keys.ShouldContain(PostgresLayout.ReplicationPasswordKey);
        keys.ShouldContain(PostgresLayout.RewindPasswordKey);
        keys.ShouldContain(PostgresLayout.MonitorPasswordKey);
        keys.ShouldNotContain(PatroniRenderer.RestPasswordKey, "each site's Patroni REST password is its own");
        keys.ShouldContain(PgBackRest.CipherPassKey, "the fallback decrypts the primary's repository");
        keys.Count.ShouldBeGreaterThan(4, "the production site's application roles (Nessie, Airflow, ...) are replicated too");
    }

    [Theory]
    [InlineData("0/0", 0L)]
    [InlineData("16/B374D848", 0x16B374D848L)]
    [InlineData("FFFFFFFF/FFFFFFFF", long.MaxValue)]
    public void WAL_positions_parse_as_byte_offsets(string text, long expected)
    {
        if (expected == long.MaxValue)
        {
            Lsn.TryParse(text, out var top).ShouldBeTrue();
            top.ShouldBe(unchecked((long)0xFFFFFFFFFFFFFFFFUL));
            return;
        }
        Lsn.TryParse(text, out var position).ShouldBeTrue();
        position.ShouldBe(expected);
    }

    [Theory]
    [InlineData("")]
    [InlineData("16")]
    [InlineData("16/")]
    [InlineData("G/1")]
    [InlineData("1/2/3")]
    public void Anything_else_is_not_a_WAL_position(string text) => Lsn.TryParse(text, out _).ShouldBeFalse();

    [Fact]
    public void On_a_standby_site_HAProxy_is_healthy_with_an_empty_primary_pool_and_unhealthy_with_a_writable_one()
    {
        static List<HAProxyHealth.StatsRow> Rows(string primaryStatus) =>
        [
            new("postgres_primary", "pg01", primaryStatus), new("postgres_primary", "BACKEND", primaryStatus),
            new("postgres_replicas", "pg02", "UP"), new("postgres_replicas", "BACKEND", "UP"),
        ];
        HAProxyHealth.Judge(Rows("DOWN"), 3, standbySite: true).Status.ShouldBe(Contracts.Health.HealthStatus.Healthy);
        HAProxyHealth.Judge(Rows("UP"), 3, standbySite: true).Status.ShouldNotBe(Contracts.Health.HealthStatus.Healthy);
        HAProxyHealth.Judge(Rows("DOWN"), 3).Status.ShouldNotBe(Contracts.Health.HealthStatus.Healthy, "a primary site needs its leader");
    }

    [Fact]
    public void A_standby_cluster_expects_no_synchronous_standby()
    {
        PatroniCluster.Expect(Standby.Value.Site, ["a", "b", "c"]).Synchronous.ShouldBeFalse();
        PatroniCluster.Expect(RenderedSites.Production.Site, ["a", "b", "c"]).Synchronous.ShouldBeTrue();
    }

    [Fact]
    public void Apply_pushes_a_changed_standby_configuration_but_never_demotes_a_running_primary()
    {
        var site = Standby.Value;
        var host = site.Site.HostsWith(PatroniComponent.Member).First();
        var temp = Directory.CreateTempSubdirectory("dl-dcs-demote-").FullName;
        try
        {
            var want = Path.Combine(temp, "dcs.yml");
            File.WriteAllText(want, site.File(host.Name, PatroniRenderer.DcsPath).Content);
            var wanted = JsonSerializer.Serialize(PgSites.Yaml(File.ReadAllText(want)));
            var live = Path.Combine(temp, "live.json");
            var pushed = Path.Combine(temp, "pushed");
            // patronictl as the check and the push call it: show-config prints the "DCS", edit-config records that it ran.
            var bin = Directory.CreateDirectory(Path.Combine(temp, "bin")).FullName;
            File.WriteAllText(Path.Combine(bin, "patronictl"),
                $"#!/bin/sh\ncase \"$3\" in show-config) cat {live} ;; edit-config) echo \"$@\" >> {pushed} ;; esac\n");
            File.SetUnixFileMode(Path.Combine(bin, "patronictl"), (UnixFileMode)0b111_101_101);

            var (listener, server) = PgSites.Serve(() => File.ReadAllBytes(live));
            using var _ = listener;
            var script = Path.Combine(temp, "check.py");
            File.WriteAllText(script, System.Text.RegularExpressions.Regex.Replace(site.File(host.Name, PatroniRenderer.DcsCheckPath).Content,
                    "MEMBERS = \\[.*\\]", $"MEMBERS = [\"{server}/config\"]")
                .Replace($"\"{PatroniRenderer.DcsPath}\"", $"\"{want}\""));
            var env = new Dictionary<string, string> { ["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}" };
            Tool.Result Push() => Tool.Run("sh", ["-c", PatroniLifecycle.DcsPushCommand.Replace(PatroniRenderer.DcsCheckPath, script)], environment: env);

            // A standby whose loop_wait drifted: pushed.
            var drifted = System.Text.Json.Nodes.JsonNode.Parse(wanted)!;
            drifted["loop_wait"] = 99;
            File.WriteAllText(live, drifted.ToJsonString());
            Tool.Run("python3", [script, want], environment: env).ExitCode.ShouldBe(1);
            Push().ExitCode.ShouldBe(0);
            File.Exists(pushed).ShouldBeTrue("a standby cluster's own drift is put back");
            File.Delete(pushed);

            // The cluster was promoted (no standby_cluster in its DCS): refused, and nothing is pushed.
            var promoted = System.Text.Json.Nodes.JsonNode.Parse(wanted)!.AsObject();
            promoted.Remove("standby_cluster");
            File.WriteAllText(live, promoted.ToJsonString());
            var check = Tool.Run("python3", [script, want], environment: env);
            check.ExitCode.ShouldBe(2, check.Output);
            check.Stderr.ShouldContain("would demote it");
            check.Stderr.ShouldContain("dr rebuild");
            var push = Push();
            push.ExitCode.ShouldNotBe(0, "apply must fail rather than demote a running primary");
            File.Exists(pushed).ShouldBeFalse("edit-config must not run");

            // In step: nothing to do.
            File.WriteAllText(live, wanted);
            Push().ExitCode.ShouldBe(0);
            File.Exists(pushed).ShouldBeFalse();
            listener.Stop();
        }
        finally { Directory.Delete(temp, true); }
    }

    [Fact]
    public void Dr_status_never_puts_a_conninfo_password_on_a_command_line()
    {
        string Run(string conninfo) => Tool.Run("sh", ["-c", $"ci={Contracts.Hosts.RemoteCommand.Quote(conninfo)}; {StandbySiteOperations.RefuseConninfoWithPassword} && echo passed"]).Output;
        Run("user=replicator passfile=/var/lib/postgresql/.pgpass_patroni host=10.20.1.100 port=5000").ShouldBe("passed\n");
        var refused = Run("user=replicator password=s3cret host=10.20.1.100 port=5000");
        refused.ShouldContain("holds a password");
        refused.ShouldNotContain("s3cret");
        refused.ShouldNotContain("passed");
    }
}

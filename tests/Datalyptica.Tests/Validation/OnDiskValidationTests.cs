using Datalyptica.Diagnostics;
using Datalyptica.Tests.Sites;

namespace Datalyptica.Tests.Validation;

/// <summary>
/// The real path: `init` writes a site, the user edits its YAML, `validate` loads and checks it. Every finding
/// must name the file, a line that really shows the offending key or host, the key, and a fix.
/// The base site is the development profile (15 hosts, everything co-located, so edits bite).
/// </summary>
public class OnDiskValidationTests
{
    private const string All = "group_vars/all.yml";

    [Fact]
    public void The_written_site_validates_clean_before_any_edit()
    {
        using var dir = SiteDir.Of();
        dir.Validate().ShouldBeClean();
    }

    [Fact]
    public void A_fourth_etcd_member_is_an_even_quorum()
    {
        using var dir = SiteDir.Of();
        dir.AddHostToGroup("catalog", "db04").AddHostToGroup("etcd", "db04").AddHostVars("db04", "10.40.10.14");

        var findings = dir.Validate();

        findings.HasErrors().ShouldBeTrue();
        var d = findings.ShouldReport(dir, "DL102", Severity.Error, "hosts.yml", "etcd", "    etcd:", "group 'etcd'");
        d.Message.ShouldContain("4 members");
        d.Fix.ShouldContain("3 or 5");
        findings.ShouldHaveNoOtherProblemsThan("DL102");
    }

    [Fact]
    public void Two_sentinels_are_too_few()
    {
        using var dir = SiteDir.Of();
        dir.RemoveHostFromGroup("redis_sentinel", "stream03");

        var findings = dir.Validate();

        var d = findings.ShouldReport(dir, "DL101", Severity.Error, "hosts.yml", "redis_sentinel", "    redis_sentinel:", "until it has 3");
        d.Message.ShouldContain("2 host(s)");
        findings.ShouldHaveNoOtherProblemsThan("DL101");
    }

    public static TheoryData<string, string, string, string> PortCollisions => new()
    {
        // file edited, line replaced or added, the key the finding names, a text on the line it points at
        { "host_vars/proc01.yml", "flink_rest_port: 8081", "flink_rest_port", "flink_rest_port: 8081" },
        { "group_vars/processing.yml", "flink_rest_port: 8081", "flink_rest_port", "flink_rest_port: 8081" },
    };

    [Theory]
    [MemberData(nameof(PortCollisions))]
    public void A_port_moved_onto_the_spark_worker_ui_collides(string file, string line, string key, string lineText)
    {
        using var dir = SiteDir.Of();
        if (file.StartsWith("host_vars", StringComparison.Ordinal)) dir.Append(file, line);
        else dir.Replace(file, "flink_rest_port: 8082", line);

        var findings = dir.Validate();

        var d = findings.ShouldReport(dir, "DL201", Severity.Error, file, key, lineText, key);
        d.Message.ShouldContain("port 8081");
        d.Message.ShouldContain("Spark");
        d.Message.ShouldContain("Flink");
        findings.ShouldHaveNoOtherProblemsThan("DL201");
    }

    [Fact]
    public void Removing_a_port_move_points_at_the_host_when_no_variable_is_set()
    {
        using var dir = SiteDir.Of();
        File.Delete(dir.Full("group_vars/loadbalancer.yml")); // Grafana's alerting gossip falls back onto Alertmanager's 9094

        var findings = dir.Validate();

        var d = findings.ShouldReport(dir, "DL201", Severity.Error, "hosts.yml", "grafana_alerting_ha_port", "lb01:", "grafana_alerting_ha_port");
        d.Message.ShouldContain("9094");
        findings.Count(f => f.Code == "DL201").ShouldBe(2); // lb01 and lb02
    }

    [Fact]
    public void A_vip_outside_the_holders_subnet()
    {
        using var dir = SiteDir.Of();
        dir.Replace(All, "- address: 10.40.1.100/24", "- address: 10.41.1.100/24");

        var findings = dir.Validate();

        var d = findings.ShouldReport(dir, "DL212", Severity.Error, All, "datalyptica_vips.frontend-a", "10.41.1.100/24", "10.40.1.0/24");
        d.Message.ShouldContain("outside the subnet");
        findings.Count(f => f.Code == "DL212").ShouldBe(2); // one per holder, lb01 and lb02
        findings.ShouldHaveNoOtherProblemsThan("DL212");
    }

    [Fact]
    public void A_vip_equal_to_a_host_address()
    {
        using var dir = SiteDir.Of();
        dir.Replace(All, "- address: 10.40.1.100/24", "- address: 10.40.1.11/24"); // lb01's own address

        var findings = dir.Validate();

        var d = findings.ShouldReport(dir, "DL213", Severity.Error, All, "datalyptica_vips.frontend-a", "10.40.1.11/24", "no host uses");
        d.Message.ShouldContain("lb01");
        findings.ShouldHaveNoOtherProblemsThan("DL213");
    }

    [Fact]
    public void Two_vips_with_one_router_id()
    {
        using var dir = SiteDir.Of();
        dir.Replace(All, "router_id: 52", "router_id: 51");

        var findings = dir.Validate();

        var d = findings.ShouldReport(dir, "DL216", Severity.Error, All, "datalyptica_vips.frontend-b", "10.40.1.101/24", "router id");
        d.Message.ShouldContain("frontend-a");
        d.Message.ShouldContain("51");
        findings.ShouldHaveNoOtherProblemsThan("DL216");
    }

    [Fact]
    public void A_missing_object_store()
    {
        using var dir = SiteDir.Of();
        dir.RemoveBlock(All, "datalyptica_object_store:");

        var findings = dir.Validate();

        var d = findings.ShouldReport(dir, "DL310", Severity.Error, All, "datalyptica_object_store", "", "datalyptica_object_store");
        d.Message.ShouldContain("Flink");
        d.Fix.ShouldContain("warehouse");
        findings.ShouldHaveNoOtherProblemsThan("DL310");
    }

    public static TheoryData<string, string, string, string, string> Misspellings => new()
    {
        { All, "kafka_replication_factor: 3", "kafka_replication_factr: 3", "kafka_replication_factr", "kafka_replication_factor" },
        { "host_vars/db01.yml", "datalyptica_rack: rack1", "datalyptica_rakc: rack1", "datalyptica_rakc", "datalyptica_rack" },
        { "group_vars/loadbalancer.yml", "grafana_alerting_ha_port: 9096", "grafana_alerting_ha_prot: 9096", "grafana_alerting_ha_prot", "grafana_alerting_ha_port" },
    };

    [Theory]
    [MemberData(nameof(Misspellings))]
    public void A_misspelt_key_is_named_with_the_right_spelling(string file, string line, string misspelt, string key, string suggestion)
    {
        using var dir = SiteDir.Of();
        dir.Replace(file, line, misspelt);

        var findings = dir.Validate();

        var d = findings.ShouldReport(dir, "DL510", Severity.Warning, file, key, key + ":", suggestion);
        d.Message.ShouldContain($"did you mean '{suggestion}'");
    }

    [Fact]
    public void Two_hosts_with_one_address()
    {
        using var dir = SiteDir.Of();
        dir.Replace("host_vars/proc02.yml", "ansible_host: 10.40.30.12", "ansible_host: 10.40.30.11");

        var findings = dir.Validate();

        var d = findings.ShouldReport(dir, "DL522", Severity.Error, "host_vars/proc02.yml", "ansible_host", "ansible_host: 10.40.30.11", "ansible_host");
        d.Message.ShouldContain("proc01");
        d.Message.ShouldContain("proc02");
        findings.ShouldHaveNoOtherProblemsThan("DL522");
    }

    public static TheoryData<string, string, string, string> KafkaDurability => new()
    {
        { "kafka_min_insync_replicas: 2", "kafka_min_insync_replicas: 3", "DL111", "kafka_min_insync_replicas" },
        { "kafka_replication_factor: 3", "kafka_replication_factor: 4", "DL110", "kafka_replication_factor" },
    };

    [Theory]
    [MemberData(nameof(KafkaDurability))]
    public void Kafka_durability_settings(string line, string replacement, string code, string key)
    {
        using var dir = SiteDir.Of();
        dir.Replace(All, line, replacement);

        var findings = dir.Validate();

        findings.ShouldReport(dir, code, Severity.Error, All, key, replacement, key);
    }

    [Fact]
    public void Min_insync_equal_to_the_replication_factor_suggests_one_less()
    {
        using var dir = SiteDir.Of();
        dir.Replace(All, "kafka_min_insync_replicas: 2", "kafka_min_insync_replicas: 3");

        var d = dir.Validate().ShouldReport(dir, "DL111", Severity.Error, All, "kafka_min_insync_replicas", "kafka_min_insync_replicas: 3", "kafka_min_insync_replicas to 2");
        d.Message.ShouldContain("one broker down");
    }

    [Fact]
    public void Removing_zookeeper_while_keeper_exists_explains_why_keeper_will_not_do()
    {
        using var dir = SiteDir.Of();
        dir.RemoveBlock("hosts.yml", "    zookeeper:");

        var findings = dir.Validate();

        var dl302 = findings.Where(d => d.Code == "DL302").ToList();
        dl302.Select(d => d.Message[..d.Message.IndexOf(' ')]).Order().ShouldBe(["Flink", "Spark"]);
        foreach (var d in dl302)
        {
            d.Severity.ShouldBe(Severity.Error);
            d.Message.ShouldContain("Keeper");
            d.Key.ShouldBe("zookeeper");
            d.Source.ShouldNotBeNull().File.ShouldBe("hosts.yml");
            dir.LineAt(d.Source).ShouldBeOneOf("    spark_master:", "    flink_jobmanager:");
            d.Fix.ShouldContain("'zookeeper'");
        }
        findings.ShouldNotContain(d => d.Code == "DL301");
        findings.ShouldNotContain(d => d.Code == "DL900"); // the notice about the ensemble goes with it
        findings.ShouldHaveNoOtherProblemsThan("DL302");
    }

    [Fact]
    public void Patroni_without_synchronous_mode()
    {
        using var dir = SiteDir.Of();
        dir.Replace(All, "patroni_synchronous_mode: true", "patroni_synchronous_mode: false");

        var findings = dir.Validate();

        var d = findings.ShouldReport(dir, "DL120", Severity.Error, All, "patroni_synchronous_mode", "patroni_synchronous_mode: false",
            "patroni_synchronous_mode: true");
        d.Message.ShouldContain("RPO 0");
        findings.ShouldHaveNoOtherProblemsThan("DL120");
    }

    public static TheoryData<string, string, string, Severity, string> Capacity => new()
    {
        { "datalyptica_ram_gb: 32", "datalyptica_ram_gb: 8", "DL402", Severity.Error, "datalyptica_ram_gb" },
        { "datalyptica_vcpu: 8", "datalyptica_vcpu: 2", "DL403", Severity.Warning, "datalyptica_vcpu" },
        { "size_gb: 1000", "size_gb: 100", "DL404", Severity.Error, "datalyptica_disks" },
    };

    [Theory]
    [MemberData(nameof(Capacity))]
    public void A_host_too_small_for_its_roles(string line, string replacement, string code, Severity severity, string key)
    {
        using var dir = SiteDir.Of();
        dir.Replace("host_vars/db01.yml", line, replacement);

        var findings = dir.Validate();

        var d = findings.ShouldReport(dir, code, severity, "host_vars/db01.yml", key, key + ":", key);
        d.Message.ShouldContain("db01");
        d.Fix.ShouldContain("db01");
        findings.ShouldHaveNoOtherProblemsThan(code);
    }

    [Fact]
    public void A_plain_text_secret_is_a_warning()
    {
        using var dir = SiteDir.Of();
        dir.RemoveBlock(All, "vault_redis_password: !vault |").Append(All, "vault_redis_password: not-so-secret");

        var findings = dir.Validate();

        var d = findings.ShouldReport(dir, "DL602", Severity.Warning, All, "vault_redis_password", "vault_redis_password:", "datalyptica secrets encrypt");
        d.ToString().ShouldNotContain("not-so-secret");
        findings.ShouldHaveNoOtherProblemsThan("DL602");
    }

    [Fact]
    public void A_missing_secret_is_an_error()
    {
        using var dir = SiteDir.Of();
        dir.RemoveBlock(All, "vault_redis_password: !vault |");

        var findings = dir.Validate();

        findings.ShouldReport(dir, "DL601", Severity.Error, All, "vault_redis_password", "", "vault_redis_password");
        findings.ShouldHaveNoOtherProblemsThan("DL601");
    }
}

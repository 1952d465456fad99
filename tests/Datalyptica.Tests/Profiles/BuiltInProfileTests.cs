using System.Net;
using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Inventory;
using Datalyptica.Model;
using Datalyptica.Profiles;
using Datalyptica.Tests.Sites;
using Datalyptica.Validation;

namespace Datalyptica.Tests.Profiles;

public class BuiltInProfileTests
{
    public static TheoryData<string> Names => new(BuiltInProfiles.Names);

    private static Profile P(string name) => BuiltInProfiles.Find(name).ShouldNotBeNull();

    /// <summary>An expanded site with the secrets init would generate declared (vault-encrypted), for in-memory validation.</summary>
    internal static Site WithSecrets(Site site) => site with
    {
        Secrets = SecretRule.RequiredSecrets(site).ToDictionary(n => n, n => new SecretDefinition(n, true, null)),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Written_to_disk_and_loaded_back_it_validates_clean(string name)
    {
        using var dir = SiteDir.Of(P(name));
        var findings = dir.Validate();
        findings.ShouldBeClean($"profile {name}");
        // Info notes, allowed: why ZooKeeper runs (next to Spark/Flink), and that a lab's sizes are not checked.
        findings.ShouldContain(d => d.Code == (name == "lab" ? "DL405" : "DL900"));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Expanded_in_memory_it_validates_clean(string name) =>
        SiteValidator.Validate(WithSecrets(ProfileExpander.Expand(P(name)))).ShouldBeClean($"profile {name}");

    [Fact]
    public void Short_names_find_the_profiles()
    {
        BuiltInProfiles.Find("dev").ShouldBeSameAs(BuiltInProfiles.Development);
        BuiltInProfiles.Find("PROD").ShouldBeSameAs(BuiltInProfiles.Production);
        BuiltInProfiles.Find("dr").ShouldBeSameAs(BuiltInProfiles.Dr);
        BuiltInProfiles.Find("nope").ShouldBeNull();
    }

    // Quorum and HA groups per profile: group → expected member count (exact).
    public static TheoryData<string, string, int> Members => new()
    {
        { "production", "etcd", 3 }, { "production", "zookeeper", 3 }, { "production", "kafka_controller", 3 },
        { "production", "kafka_broker", 6 }, { "production", "clickhouse_keeper", 3 }, { "production", "redis_sentinel", 3 },
        { "production", "postgresql", 4 }, { "production", "spark_master", 2 }, { "production", "flink_jobmanager", 2 },
        { "production", "trino_coordinator", 2 }, { "production", "keepalived", 3 }, { "production", "spark_history", 1 },
        { "dr", "etcd", 3 }, { "dr", "kafka_controller", 3 }, { "dr", "kafka_broker", 6 }, { "dr", "redis_sentinel", 3 },
        { "staging", "etcd", 3 }, { "staging", "zookeeper", 3 }, { "staging", "kafka_controller", 3 }, { "staging", "kafka_broker", 3 },
        { "staging", "clickhouse_keeper", 3 }, { "staging", "redis_sentinel", 3 }, { "staging", "postgresql", 3 },
        { "development", "etcd", 3 }, { "development", "zookeeper", 3 }, { "development", "kafka_controller", 3 },
        { "development", "kafka_broker", 3 }, { "development", "clickhouse_keeper", 3 }, { "development", "redis_sentinel", 3 },
        { "development", "postgresql", 3 }, { "development", "spark_master", 2 }, { "development", "flink_jobmanager", 2 },
    };

    [Theory]
    [MemberData(nameof(Members))]
    public void Role_groups_have_the_documented_member_counts(string profile, string group, int count) =>
        ProfileExpander.Expand(P(profile)).HostsInGroup(group).Count().ShouldBe(count, $"{profile}: group {group}");

    [Theory]
    [MemberData(nameof(Names))]
    public void Patroni_has_a_standby_and_every_quorum_is_odd(string name)
    {
        var site = ProfileExpander.Expand(P(name));
        site.HostsInGroup("postgresql").Count().ShouldBeGreaterThanOrEqualTo(2);
        foreach (var group in new[] { "etcd", "zookeeper", "kafka_controller", "clickhouse_keeper" }.Where(g => site.HostsInGroup(g).Any() || name != "lab"))
            (site.HostsInGroup(group).Count() % 2).ShouldBe(1, $"{name}: {group}");
        site.HostsInGroup("redis_sentinel").Count().ShouldBeGreaterThanOrEqualTo(3);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_host_is_in_exactly_one_tier_group_of_the_written_inventory(string name)
    {
        using var dir = SiteDir.Of(P(name));
        var inventory = AnsibleInventoryReader.Read(dir.Path);
        var tierGroups = Tiers.All.Select(t => t.GroupName()).ToHashSet();
        inventory.Hosts.Count.ShouldBe(dir.Site.Hosts.Count);
        foreach (var host in inventory.Hosts)
            host.Groups.Count(tierGroups.Contains).ShouldBe(1, $"{name}: {host.Name} in {string.Join(",", host.Groups)}");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Names_and_addresses_are_unique_and_each_host_sits_in_its_tiers_subnet(string name)
    {
        var profile = P(name);
        var site = ProfileExpander.Expand(profile);
        site.Hosts.Select(h => h.Name).ShouldBeUnique();
        site.Hosts.Select(h => h.Address).ShouldBeUnique();
        foreach (var host in site.Hosts)
            host.Address.ToString().ShouldStartWith($"10.{profile.AddressBase}.{ProfileExpander.TierOctet(host.Tier)}.", customMessage: host.Name);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_pool_is_spread_over_three_racks(string name)
    {
        var site = ProfileExpander.Expand(P(name));
        foreach (var pool in P(name).Pools)
        {
            var racks = site.Hosts.Where(h => PoolOf(h) == pool.Prefix).Select(h => h.Rack).Distinct().Count();
            racks.ShouldBe(Math.Min(pool.Count, ProfileExpander.RackCount), $"{name}: pool {pool.Prefix}");
        }
        // A quorum of 3 on 3 racks survives the loss of a rack.
        // (The lab places no Kafka or ClickHouse: only what installs from Debian's packages.)
        foreach (var group in new[] { "etcd", "zookeeper", "kafka_controller", "clickhouse_keeper", "redis_sentinel" }.Where(g => site.HostsInGroup(g).Any() || name != "lab"))
            site.HostsInGroup(group).Select(h => h.Rack).Distinct().Count().ShouldBe(3, $"{name}: {group}");
    }

    private static string PoolOf(Host h) => h.Name.TrimEnd("0123456789".ToCharArray());

    [Fact]
    public void Development_is_fifteen_equal_vms()
    {
        var site = ProfileExpander.Expand(BuiltInProfiles.Development);
        site.Hosts.Count.ShouldBe(15);
        site.Hosts.ShouldAllBe(h => h.VCpu == 8 && h.RamGb == 32);
        // Co-located ports are moved by group vars: Flink REST off Spark's worker UI, Grafana gossip off Alertmanager's 9094.
        site.HostsInGroup("flink_jobmanager").ShouldAllBe(h => h.Port(Datalyptica.Components.Flink.FlinkComponent.Rest) == 8082);
        site.HostsInGroup("grafana").ShouldAllBe(h => h.Vars.ContainsKey("grafana_alerting_ha_port"));
    }

    [Fact]
    public void Production_puts_every_component_on_its_own_vms_within_a_tier()
    {
        var site = ProfileExpander.Expand(BuiltInProfiles.Production);
        site.Hosts.Count.ShouldBe(66);
        site.Hosts.GroupBy(h => h.Tier).ToDictionary(g => g.Key, g => g.Count()).ShouldBe(new Dictionary<Tier, int>
        {
            [Tier.LoadBalancer] = 3, [Tier.Catalog] = 6, [Tier.Coordination] = 3, [Tier.Streaming] = 11, [Tier.Processing] = 12,
            [Tier.Query] = 9, [Tier.Analytics] = 7, [Tier.Monitoring] = 9, [Tier.Iam] = 6,
        }, ignoreOrder: true);
        // Kafka controllers are not brokers (combined mode is not for production).
        site.HostsInGroup("kafka_controller").ShouldAllBe(h => !h.RoleGroups.Contains("kafka_broker"));
    }

    [Fact]
    public void Dr_is_the_production_topology_as_standby()
    {
        var prod = ProfileExpander.Expand(BuiltInProfiles.Production);
        var dr = ProfileExpander.Expand(BuiltInProfiles.Dr);
        dr.Role.ShouldBe(SiteRole.Standby);
        prod.Role.ShouldBe(SiteRole.Primary);
        dr.Environment.ShouldBe("dr");
        dr.Hosts.Select(h => (h.Name, h.Tier, h.VCpu, h.RamGb, h.DiskGb, h.Rack, string.Join(",", h.RoleGroups)))
            .ShouldBe(prod.Hosts.Select(h => (h.Name, h.Tier, h.VCpu, h.RamGb, h.DiskGb, h.Rack, string.Join(",", h.RoleGroups))));
        dr.Hosts.Select(h => h.Address).Intersect(prod.Hosts.Select(h => h.Address)).ShouldBeEmpty();
        dr.ObjectStore.ShouldNotBeNull().Buckets.Values.ShouldAllBe(b => b.StartsWith("datalyptica-dr-"));
        dr.Domain.ShouldStartWith("dr.");
        dr.ObjectStorageTb.ShouldBe(prod.ObjectStorageTb);
    }

    public static TheoryData<string, int> Scaled => new()
    {
        { "development", 1000 }, { "development", 5000 }, { "staging", 1000 }, { "staging", 5000 },
        { "production", 1000 }, { "production", 5000 }, { "dr", 1000 }, { "dr", 5000 },
    };

    [Theory]
    [MemberData(nameof(Scaled))]
    public void Scaled_to_thousands_of_hosts_it_stays_valid(string name, int count)
    {
        var site = ProfileExpander.Expand(P(name), hostCount: count);
        site.Hosts.Count.ShouldBe(count);
        site.Hosts.Select(h => h.Address).ShouldBeUnique();
        site.Hosts.Select(h => h.Name.ToLowerInvariant()).ShouldBeUnique();
        site.Hosts.ShouldAllBe(h => h.Address.GetAddressBytes()[1] <= 255 && h.Address.GetAddressBytes()[3] >= ProfileExpander.FirstHostOctet);
        // Only worker-like pools grow: every quorum keeps its size.
        // (The lab places no Kafka or ClickHouse: only what installs from Debian's packages.)
        foreach (var group in new[] { "etcd", "zookeeper", "kafka_controller", "clickhouse_keeper", "redis_sentinel" }.Where(g => site.HostsInGroup(g).Any() || name != "lab"))
            site.HostsInGroup(group).Count().ShouldBe(3, $"{name}: {group}");
        SiteValidator.Validate(WithSecrets(site)).ShouldBeClean($"{name} at {count} hosts");
    }

    [Fact]
    public void A_scaled_site_validates_clean_on_disk_too()
    {
        using var dir = SiteDir.Write(ProfileExpander.Expand(BuiltInProfiles.Development, hostCount: 300));
        var loaded = dir.Load();
        loaded.Site.ShouldNotBeNull().Hosts.Count.ShouldBe(300);
        dir.Validate().ShouldBeClean();
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Asking_for_fewer_hosts_than_the_profile_has_says_how_many_it_needs(string name)
    {
        var profile = P(name);
        var needed = profile.Pools.Sum(p => p.Count);
        var e = Should.Throw<ArgumentException>(() => ProfileExpander.Expand(profile, hostCount: needed - 1));
        e.Message.ShouldContain($"'{name}'");
        e.Message.ShouldContain($"at least {needed} hosts");
        e.Message.ShouldContain($"{needed - 1} were asked for");
        ProfileExpander.Expand(profile, hostCount: needed).Hosts.Count.ShouldBe(needed);
    }

    [Fact]
    public void Every_host_gets_a_kafka_cluster_id_once_and_it_can_be_kept()
    {
        var id = ProfileExpander.NewKafkaClusterId();
        id.Length.ShouldBe(22);
        id.ShouldAllBe(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_');
        ProfileExpander.Expand(BuiltInProfiles.Development, kafkaClusterId: id).Var("kafka_cluster_id").ShouldNotBeNull().Value.ShouldBe(id);
    }

    [Fact]
    public void Findings_of_an_in_memory_site_have_no_file()
    {
        // Not a rule, but what callers rely on: with no directory there is nothing to point at.
        var site = ProfileExpander.Expand(BuiltInProfiles.Development) with { ObjectStore = null };
        var d = SiteValidator.Validate(WithSecrets(site)).Single(f => f.Code == "DL310");
        d.Severity.ShouldBe(Severity.Error);
        d.Source.ShouldBeNull();
        IPAddress.Parse("10.40.1.11").ShouldBe(site.Hosts[0].Address);
    }
}

using Datalyptica.Components;
using Datalyptica.Model;
using Datalyptica.Validation;

namespace Datalyptica.Tests.Validation;

public class DidYouMeanTests
{
    private static readonly string[] Groups =
        [.. Tiers.All.Select(t => t.GroupName()), .. ComponentCatalog.RoleGroups, "all", "ungrouped"];

    [Theory]
    [InlineData("kafka_replication_factr", "kafka_replication_factor")]
    [InlineData("kafka_min_insync_replica", "kafka_min_insync_replicas")]
    [InlineData("flink_rest_prot", "flink_rest_port")]
    [InlineData("datalyptica_ram_bg", "datalyptica_ram_gb")]
    [InlineData("patroni_synchronus_mode", "patroni_synchronous_mode")]
    [InlineData("datalyptica_vip", "datalyptica_vips")]
    public void Misspelt_variables_get_the_right_name(string typo, string expected) =>
        DidYouMean.Suggest(typo, UnknownKeyRule.KnownKeys).ShouldBe(expected);

    [Theory]
    [InlineData("etdc", "etcd")]
    [InlineData("zookeper", "zookeeper")]
    [InlineData("kafka_brokers", "kafka_broker")]
    [InlineData("procesing", "processing")]
    [InlineData("clickhouse-keeper", "clickhouse_keeper")]
    [InlineData("redis_sentinal", "redis_sentinel")]
    public void Misspelt_groups_get_the_right_name(string typo, string expected) =>
        DidYouMean.Suggest(typo, Groups).ShouldBe(expected);

    [Theory]
    [InlineData("site_owner")]
    [InlineData("backup_window")]
    [InlineData("ntp_servers")]
    [InlineData("timezone")]
    [InlineData("site_contact_email")]
    [InlineData("http_proxy")]
    public void Unrelated_variables_get_no_suggestion(string word) =>
        DidYouMean.Suggest(word, UnknownKeyRule.KnownKeys).ShouldBeNull();

    [Theory]
    [InlineData("bastion")]
    [InlineData("webservers")]
    [InlineData("dmz")]
    [InlineData("gpu")]
    [InlineData("db")]
    [InlineData("ml")]
    [InlineData("x")]
    public void Custom_groups_get_no_suggestion(string word) =>
        DidYouMean.Suggest(word, Groups).ShouldBeNull();

    [Theory]
    [InlineData("ab", "xy")]
    [InlineData("a", "b")]
    [InlineData("", "ab")]
    public void A_word_that_shares_nothing_with_the_candidate_gets_no_suggestion(string word, string candidate) =>
        DidYouMean.Suggest(word, [candidate]).ShouldBeNull();

    [Fact]
    public void No_candidates_no_suggestion() => DidYouMean.Suggest("etcd", []).ShouldBeNull();

    [Fact]
    public void The_closest_candidate_wins() =>
        DidYouMean.Suggest("spark_mastr", ["spark_worker", "spark_master", "spark_history"]).ShouldBe("spark_master");

    [Theory]
    [InlineData("etcd", "etdc", 1)]     // one transposition
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "abc", 3)]
    [InlineData("same", "same", 0)]
    [InlineData("ca", "abc", 3)]        // optimal string alignment: no edits of a transposed pair
    public void Distance_is_optimal_string_alignment(string a, string b, int expected)
    {
        DidYouMean.Distance(a, b).ShouldBe(expected);
        DidYouMean.Distance(b, a).ShouldBe(expected);
    }
}

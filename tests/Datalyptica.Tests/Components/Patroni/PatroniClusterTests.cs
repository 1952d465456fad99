using Datalyptica.Components.Patroni;
using Datalyptica.Tests.Verification;

namespace Datalyptica.Tests.Components.Patroni;

/// <summary>
/// The one reading and judgement of Patroni's GET /cluster, shared by verify and the drills, on real answers: the sample of
/// Patroni's rest_api.rst, a lab answer with a member still starting (its lag "unknown", as Patroni reports it), and garbage
/// a curl or a proxy can return instead.
/// </summary>
public sealed class PatroniClusterTests
{
    // Patroni 3.x docs (rest_api.rst, "Cluster status endpoints"): a leader and a streaming replica.
    private const string Docs = """
        {"members": [
          {"name": "postgresql0", "role": "leader", "state": "running", "api_url": "http://127.0.0.1:8008/patroni", "host": "127.0.0.1", "port": 5432, "timeline": 5, "tags": {"clonefrom": true}},
          {"name": "postgresql1", "role": "replica", "state": "streaming", "api_url": "http://127.0.0.1:8009/patroni", "host": "127.0.0.1", "port": 5433, "timeline": 5, "tags": {"clonefrom": true}, "lag": 0}
        ], "scope": "batman"}
        """;

    // A synchronous lab cluster while lab03 rebuilds: Patroni prints "unknown" where it cannot compute the lag.
    private const string Starting = """
        {"members": [
          {"name": "lab01", "role": "leader", "state": "running", "api_url": "http://10.77.0.11:8008/patroni", "host": "10.77.0.11", "port": 5432, "timeline": 4},
          {"name": "lab02", "role": "sync_standby", "state": "streaming", "host": "10.77.0.12", "port": 5432, "timeline": 4, "lag": 0},
          {"name": "lab03", "role": "replica", "state": "starting", "host": "10.77.0.13", "port": 5432, "lag": "unknown"}
        ], "scope": "lab-default"}
        """;

    [Fact]
    public void The_docs_sample_is_whole_for_an_asynchronous_site_and_misses_its_sync_standby_for_a_synchronous_one()
    {
        var members = PatroniCluster.Parse(Docs);
        members.ShouldBe([new PatroniMember("postgresql0", "127.0.0.1", "leader", "running"), new PatroniMember("postgresql1", "127.0.0.1", "replica", "streaming", 0)]);
        PatroniCluster.Problem(members, new(["postgresql0", "postgresql1"], Synchronous: false, SyncCount: 1)).ShouldBeNull();
        PatroniCluster.Problem(members, new(["postgresql0", "postgresql1"], Synchronous: true, SyncCount: 1))
            .ShouldBe("sync standby: no synchronous standby (want 1): commits wait or RPO 0 is lost");
    }

    [Fact]
    public void A_starting_member_with_unknown_lag_is_read_and_judged_not_whole_until_it_streams()
    {
        var members = PatroniCluster.Parse(Starting);
        members.Single(m => m.Name == "lab03").ShouldBe(new PatroniMember("lab03", "10.77.0.13", "replica", "starting"));
        var expected = new PatroniCluster.Expectation(["lab01", "lab02", "lab03"], true, 1);
        PatroniCluster.Problem(members, expected).ShouldBe("members: 2 of 3 running; not running: lab03 (starting)");
        PatroniCluster.Problem(PatroniCluster.Parse(Starting.Replace("\"starting\"", "\"streaming\"")), expected).ShouldBeNull();
        // A member the site has but the cluster does not list is named, and a second leader is a failure of its own.
        PatroniCluster.Problem(PatroniCluster.Parse(Starting.Replace("\"sync_standby\"", "\"leader\"")), expected with { Members = ["lab01", "lab02", "lab03", "lab04"] })
            .ShouldBe("leader: 2 leaders (lab01, lab02); want exactly 1; sync standby: no synchronous standby (want 1): commits wait or RPO 0 is lost; " +
                      "members: 2 of 4 running; not running: lab03 (starting), lab04 (absent)");
    }

    [Theory]
    [InlineData("")]
    [InlineData("<html><body><h1>502 Bad Gateway</h1></body></html>")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{\"scope\": \"batman\"}")]
    [InlineData("{\"members\": {}}")]
    [InlineData("{\"members\": [{\"role\": \"leader\", \"state\": \"running\"}]}")]
    [InlineData("{\"members\": [\"lab01\"]}")]
    [InlineData("{\"members\": [{\"name\": \"lab01\", \"role\": \"lea")]
    public void Garbage_is_invalid_data_never_an_empty_cluster(string answer) =>
        Should.Throw<InvalidDataException>(() => PatroniCluster.Parse(answer));

    [Fact]
    public void The_site_expects_synchronous_replication_unless_it_says_false_and_never_for_one_member()
    {
        var three = LoopbackSite.Of("pg", new[] { "db1", "db2", "db3" }.Select(n => LoopbackSite.Host(n, ["postgresql"])));
        var absent = PatroniCluster.Expect(three, ["db1", "db2", "db3"]);
        (absent.Synchronous, absent.SyncCount).ShouldBe((true, 1), "absent means the renderer's default: synchronous");
        PatroniCluster.Expect(PgSites.WithSiteVar(three, "patroni_synchronous_mode", false), ["db1", "db2", "db3"]).Synchronous.ShouldBeFalse();
        PatroniCluster.Expect(PgSites.WithSiteVar(three, "patroni_synchronous_node_count", 2), ["db1", "db2", "db3"]).SyncCount.ShouldBe(2);
        PatroniCluster.Expect(three, ["db1"]).Synchronous.ShouldBeFalse();
    }
}

using Datalyptica.Contracts;
using Datalyptica.Contracts.Health;

namespace Datalyptica.Tests.Verification;

/// <summary>The etcd probe against a real 3-member etcd cluster on loopback (plain HTTP, metrics on their own listener as rendered).</summary>
public sealed class EtcdProbeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dl-verify-etcd-").FullName;
    private readonly List<ServerProcess> _servers = [];

    [Fact]
    public void Three_members_have_one_leader_and_full_membership_then_a_stopped_member_fails_membership_and_its_own_health()
    {
        var ports = LoopbackEtcd.StartCluster(_dir, _servers, "dl-verify");
        var site = LoopbackSite.Of("vt", ports.Select((p, i) => LoopbackSite.Host($"e{i + 1}", ["etcd"],
            ("etcd_client_port", p.Client), ("etcd_peer_port", p.Peer), ("etcd_metrics_port", p.Metrics))));
        var options = LoopbackSite.Options("etcd");

        var healthy = LoopbackSite.VerifyUntil(site, options, r => r.Checks.All(c => c.Status == HealthStatus.Healthy));
        healthy.Checks.Count(c => c.Check == "membership" && c.Detail.StartsWith("leader,")).ShouldBe(1, LoopbackSite.Describe(healthy));
        healthy.Check("e1", "membership").Detail.ShouldEndWith("connected to 2 of 2 peers");
        healthy.Check("cluster", "quorum").Detail.ShouldBe("3 of 3 configured members answer with a leader (quorum 2)");
        healthy.Check("cluster", "leader").Detail.ShouldStartWith("one leader: e");

        _servers[2].Stop();
        // If the stopped member was the leader, the survivors elect a new one within a few election timeouts (500 ms here).
        var stopped = LoopbackSite.VerifyUntil(site, options, r => r.Check("e1", "membership").Status == HealthStatus.Failed
            && r.Check("cluster", "leader").Status == HealthStatus.Healthy, seconds: 20);
        stopped.Check("e3", "health").Status.ShouldBe(HealthStatus.Failed);
        stopped.Check("e3", "health").Detail.ShouldContain("refused");
        stopped.Check("e1", "membership").Detail.ShouldEndWith("connected to 1 of 2 peers");
        stopped.Check("cluster", "quorum").Status.ShouldBe(HealthStatus.Failed);
        stopped.Check("cluster", "quorum").Detail.ShouldBe("2 of 3 configured members answer with a leader (quorum 2)");
        // The two survivors keep a majority, so they still have exactly one leader.
        stopped.Check("cluster", "leader").Detail.ShouldStartWith("one leader: e");
    }

    public void Dispose()
    {
        foreach (var s in _servers) s.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}

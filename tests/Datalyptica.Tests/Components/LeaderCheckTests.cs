using Datalyptica.Components.Etcd;
using Datalyptica.Components.Redis;
using Datalyptica.Components.ZooKeeper;
using Datalyptica.Tests.Rendering;
using Datalyptica.Tests.Verification;

namespace Datalyptica.Tests.Components;

/// <summary>
/// The leader checks the lifecycles declare for rolling restarts (leader or primary last), run as apply runs them (bash on
/// the member) against real servers on loopback: exactly one etcd member and exactly one member of a ZooKeeper ensemble
/// answer leader; the Redis primary answers and its replica does not.
/// </summary>
public sealed class LeaderCheckTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dl-leader-check-").FullName;
    private readonly List<ServerProcess> _servers = [];

    private static int Run(string check) => Tool.Run("bash", ["-c", check]).ExitCode;

    /// <summary>The declared health gate passes: its probe exits 0 and, when it has one, the component's judge accepts the output.</summary>
    private static bool Healthy(Datalyptica.Contracts.RollingRestart gate)
    {
        var result = Tool.Run("bash", ["-c", gate.HealthCheck]);
        return result.ExitCode == 0 && (gate.Judge is null || gate.Judge.Problem(result.Stdout) is null);
    }

    [Fact]
    public void Exactly_one_etcd_member_answers_the_leader_check()
    {
        var ports = LoopbackEtcd.StartCluster(_dir, _servers, "dl-leader");
        var hosts = ports.Select((p, i) => LoopbackSite.Host($"e{i + 1}", ["etcd"],
            ("etcd_client_port", p.Client), ("etcd_peer_port", p.Peer), ("etcd_metrics_port", p.Metrics))).ToList();

        // Until the cluster has elected (a few election timeouts of 500 ms), no member leads.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        int[] answers;
        do answers = hosts.Select(h => Run(EtcdLifecycle.LeaderCheck(h))).ToArray();
        while (answers.Count(a => a == 0) == 0 && DateTime.UtcNow < deadline && Sleep());

        answers.Count(a => a == 0).ShouldBe(1, $"leader check exits: {string.Join(", ", answers)}");
        // The declared health gate still passes on every member, leader or not: the check says leader, not healthy.
        hosts.ShouldAllBe(h => Healthy(EtcdComponent.Rolling(h)));
    }

    [Fact]
    public void Exactly_one_member_of_a_zookeeper_ensemble_answers_the_leader_check()
    {
        if (!File.Exists("/usr/share/java/zookeeper.jar")) throw new InvalidOperationException("ZooKeeper is missing: setup.sh installs the zookeeper package.");
        var classpath = string.Join(':', new[] { "zookeeper.jar", "zookeeper-jute.jar", "slf4j-nop.jar", "slf4j-api.jar", "commons-cli.jar" }
            .Select(j => "/usr/share/java/" + j).Where(File.Exists));
        var ports = Enumerable.Range(0, 3).Select(_ => (Client: ServerProcess.FreePort(), Quorum: ServerProcess.FreePort(), Election: ServerProcess.FreePort())).ToList();
        var ensemble = string.Concat(ports.Select((p, i) => $"server.{i + 1}=127.0.0.1:{p.Quorum}:{p.Election}\n"));
        for (var i = 0; i < 3; i++)
        {
            var data = Directory.CreateDirectory(Path.Combine(_dir, $"zk{i + 1}")).FullName;
            File.WriteAllText(Path.Combine(data, "myid"), $"{i + 1}\n");
            var cfg = Path.Combine(data, "zoo.cfg");
            File.WriteAllText(cfg, $"tickTime=200\ninitLimit=20\nsyncLimit=10\ndataDir={data}\nclientPort={ports[i].Client}\nclientPortAddress=127.0.0.1\n" +
                $"4lw.commands.whitelist=ruok,srvr\nadmin.enableServer=false\n{ensemble}");
            _servers.Add(ServerProcess.Start($"zookeeper {i + 1}", "java", ["-Xmx64m", "-cp", classpath, "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg]));
        }
        foreach (var (server, p) in _servers.Zip(ports)) server.WaitForPort(p.Client, seconds: 60);
        var hosts = ports.Select((p, i) => LoopbackSite.Host($"z{i + 1}", ["zookeeper"], ("zookeeper_client_port", p.Client))).ToList();

        // Until every member has joined the ensemble (the declared health gate: leader or follower).
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!hosts.All(h => Healthy(ZooKeeperComponent.Rolling(h))) && DateTime.UtcNow < deadline) Sleep();

        var answers = hosts.Select(h => Run(ZooKeeperLifecycle.LeaderCheck(h))).ToArray();
        answers.Count(a => a == 0).ShouldBe(1, $"leader check exits: {string.Join(", ", answers)}; {string.Join("\n", _servers.Select(s => s.Output))}");
    }

    [Fact]
    public void The_redis_primary_answers_the_leader_check_and_its_replica_does_not()
    {
        const string password = "Leader-Check-Pw-51c0e2";
        // The check reads the password from the member's auth file; here from a copy with the same content.
        var auth = Path.Combine(_dir, "cli.auth");
        File.WriteAllText(auth, password + "\n");
        int primary = ServerProcess.FreePort(), replica = ServerProcess.FreePort();
        foreach (var (port, extra) in new[] { (primary, Array.Empty<string>()), (replica, ["--replicaof", "127.0.0.1", primary.ToString()]) })
        {
            var dir = Directory.CreateDirectory(Path.Combine(_dir, port.ToString())).FullName;
            // Each from its own redis.conf, as on a member, so CONFIG REWRITE has a file to rewrite.
            var conf = Path.Combine(dir, "redis.conf");
            File.WriteAllText(conf, $"requirepass {password}\nmasterauth {password}\n");
            _servers.Add(ServerProcess.Start($"redis {port}", "redis-server",
                [conf, "--port", port.ToString(), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", .. extra]).WaitForPort(port));
        }
        string Check(int port) => RedisLifecycle.PrimaryCheck(LoopbackSite.Host($"r{port}", ["redis"], ("redis_port", port)))
            .Replace(RedisRenderer.CliAuthPath, auth, StringComparison.Ordinal);

        Run(Check(primary)).ShouldBe(0);
        Run(Check(replica)).ShouldBe(1);
        // Sentinel's failover makes Redis rewrite its file, which quotes the password: the checks once read it from
        // there and authenticated with the quotes. They read their own file, so they still work after it.
        var rewritten = Path.Combine(_dir, primary.ToString(), "redis.conf");
        Tool.Run("redis-cli", ["-p", primary.ToString(), "config", "rewrite"], environment: new Dictionary<string, string> { ["REDISCLI_AUTH"] = password })
            .Stdout.Trim().ShouldBe("OK");
        File.ReadAllText(rewritten).ShouldContain($"requirepass \"{password}\"");
        Run(Check(primary)).ShouldBe(0);
        // A member that is down does not lead: it restarts with the replicas.
        _servers[1].Stop();
        Run(Check(replica)).ShouldNotBe(0);
    }

    private static bool Sleep() { Thread.Sleep(200); return true; }

    public void Dispose()
    {
        foreach (var s in _servers) s.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}

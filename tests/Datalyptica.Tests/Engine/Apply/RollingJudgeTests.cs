using Datalyptica.Components.Etcd;
using Datalyptica.Components.Redis;
using Datalyptica.Components.ZooKeeper;
using Datalyptica.Contracts;
using Datalyptica.Engine.Apply;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;
using Datalyptica.Tests.Verification;

namespace Datalyptica.Tests.Engine.Apply;

/// <summary>
/// Rolling-restart gates judged by the components' own C# judges (the ones verify uses): the plan names the judge, apply
/// runs the probe on the host and judges its output. Against a real redis-server master and a replica whose master is gone.
/// </summary>
public sealed class RollingJudgeTests : IDisposable
{
    private const string Password = "Gate-Pw-5b1e90c3-never-printed";
    private readonly TempRoot _site = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("dl-rolling-judge-").FullName;
    private readonly List<ServerProcess> _servers = [];

    public void Dispose()
    {
        foreach (var s in _servers) s.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
        _site.Dispose();
    }

    private int Redis(params string[] extra)
    {
        var port = ServerProcess.FreePort();
        var dir = Directory.CreateDirectory(Path.Combine(_dir, port.ToString())).FullName;
        // redis.conf and the checks' auth file as the renderer writes them: the gate reads the password from the latter.
        File.WriteAllText(Path.Combine(dir, "redis.conf"), $"port {port}\nbind 127.0.0.1\nrequirepass {Password}\nmasterauth {Password}\n");
        File.WriteAllText(Path.Combine(dir, "cli.auth"), Password + "\n");
        _servers.Add(ServerProcess.Start($"redis {port}", "redis-server",
            [Path.Combine(dir, "redis.conf"), "--dir", dir, "--save", "", "--appendonly", "no", .. extra]).WaitForPort(port));
        return port;
    }

    /// <summary>The production gate's command with the test server's port and auth file: the password only ever in redis-cli's environment.</summary>
    private RollingRestart Gate(int port) => new("redis",
        RedisComponent.ServerRolling(LoopbackSite.Host("r", ["redis"], ("redis_port", port))).HealthCheck.Replace(RedisRenderer.CliAuthPath, Path.Combine(_dir, port.ToString(), "cli.auth")),
        TimeoutSeconds: 2) { Judge = RedisReplication.ServingJudge };

    private async Task<ApplyResult> ApplyAsync(params (string Host, PlanStep Wait)[] members)
    {
        var plan = new Plan("test", members.Select(m => new HostPlan(m.Host, [new Change(ChangeAction.Restart, "restart") with
        {
            Host = m.Host, Layer = Layer.Iam, ResourceId = "service:redis-server", RollingGroup = "redis", Steps = [m.Wait],
        }])).ToList());
        var options = new ApplyOptions { JournalDirectory = _site["/.datalyptica/journal"], Artifacts = new ArtifactStore(_site["/.datalyptica/artifacts"]), Parallelism = 1 };
        return await PlanApplier.ApplyAsync(plan, host => new LocalTestTransport(host), options, CancellationToken.None);
    }

    [Fact]
    public void The_redis_gate_is_a_judged_probe_whose_plan_step_holds_no_password()
    {
        var gate = RedisComponent.ServerRolling(LoopbackSite.Host("r1", ["redis"]));
        var step = gate.WaitStep("redis-server");
        step.Kind.ShouldBe(StepKind.Await);
        step.Judge.ShouldBe("redis-replication");
        step.Text.ShouldBe($"bash -c {Datalyptica.Contracts.Hosts.RemoteCommand.Quote(gate.HealthCheck)}");
        gate.HealthCheck.ShouldStartWith($"REDISCLI_AUTH=\"$(cat {RedisRenderer.CliAuthPath})\" redis-cli --no-auth-warning ");
        gate.HealthCheck.ShouldNotContain(" -a ");
        step.Display.ShouldContain("until redis-replication accepts the output of:");
        // The judges the plan names are the ones the catalog declares.
        new RedisComponent().OutputJudges.Select(j => j.Id).ShouldBe(["redis-replication"]);
        EtcdComponent.Rolling(LoopbackSite.Host("e1", ["etcd"])).WaitStep("etcd").Judge.ShouldBe(new EtcdComponent().OutputJudges.Single().Id);
        ZooKeeperComponent.Rolling(LoopbackSite.Host("z1", ["zookeeper"])).WaitStep("zookeeper").Judge.ShouldBe(new ZooKeeperComponent().OutputJudges.Single().Id);
    }

    [Fact]
    public async Task A_master_and_a_linked_replica_pass_the_gate_and_a_replica_of_a_dead_master_stops_the_group()
    {
        var master = Redis();
        var replica = Redis("--replicaof", "127.0.0.1", master.ToString());
        var orphan = Redis("--replicaof", "127.0.0.1", ServerProcess.FreePort().ToString());
        // The replica reports its link up once its first sync is done.
        var until = DateTime.UtcNow.AddSeconds(20);
        while (RedisReplication.ServingProblem(Datalyptica.Tests.Rendering.Tool.Run("bash", ["-c", Gate(replica).HealthCheck]).Stdout) is not null && DateTime.UtcNow < until) await Task.Delay(200);

        var healthy = await ApplyAsync(("m", Gate(master).WaitStep("redis-server")), ("r", Gate(replica).WaitStep("redis-server")));
        healthy.Status.ShouldBe(ApplyStatus.Completed, string.Join("; ", healthy.Failures));

        var stuck = await ApplyAsync(("a-orphan", Gate(orphan).WaitStep("redis-server")), ("b-master", Gate(master).WaitStep("redis-server")));
        stuck.Status.ShouldBe(ApplyStatus.Failed);
        var failure = stuck.Failures.Single(f => f.Host == "a-orphan");
        failure.Stderr.ShouldStartWith("redis-server restarted but did not answer healthy within 2 s; no other redis member is restarted until it does.");
        failure.Stderr.ShouldContain("Last: replica of 127.0.0.1:");
        failure.Stderr.ShouldContain("link down");
        stuck.Failures.Single(f => f.Host == "b-master").Stderr.ShouldContain("not restarted: another redis member did not come back healthy");
        foreach (var f in healthy.Failures.Concat(stuck.Failures)) $"{f.Command} {f.Stderr}".ShouldNotContain(Password);
    }

    [Fact]
    public void The_etcd_and_zookeeper_gates_read_the_raw_answers_as_verify_does()
    {
        // etcd 3.5's metrics listener, GET /health over HTTP/1.0 as the gate sends it.
        EtcdHealth.HealthProblem("HTTP/1.0 200 OK\r\nAccess-Control-Allow-Origin: *\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{\"health\":\"true\",\"reason\":\"\"}").ShouldBeNull();
        EtcdHealth.HealthProblem("HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}")
            .ShouldBe("GET /health answered HTTP/1.0 503 Service Unavailable: {\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}");
        EtcdHealth.HealthProblem("").ShouldBe("GET /health answered nothing");
        EtcdHealth.HealthProblem("HTTP/1.0 200 OK\r\n\r\n<html>").ShouldStartWith("GET /health answered HTTP/1.0 200 OK: <html>");

        const string follower = "Zookeeper version: 3.8.0-5a02a05eddb59aee6ac762f7ea82e92a68eb9c0f, built on 2022-02-25 08:49 UTC\nLatency min/avg/max: 0/0.0/0\nMode: follower\nNode count: 5\n";
        ZooKeeperHealth.ServingJudge.Problem(follower).ShouldBeNull();
        ZooKeeperHealth.ServingJudge.Problem(follower.Replace("follower", "leader")).ShouldBeNull();
        ZooKeeperHealth.ServingJudge.Problem("This ZooKeeper instance is not currently serving requests\n").ShouldBe("srvr Mode: none (not serving)");
        ZooKeeperHealth.ServingJudge.Problem(follower.Replace("follower", "observer")).ShouldBe("srvr Mode: observer");
    }
}

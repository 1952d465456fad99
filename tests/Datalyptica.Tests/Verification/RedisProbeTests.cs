using Datalyptica.Components.Redis;
using Datalyptica.Contracts.Health;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Verification;

/// <summary>The Redis and Sentinel probes against a real redis-server master, replica and Sentinel on loopback.</summary>
public sealed class RedisProbeTests : IDisposable
{
    private const string Password = "Redis-Pw-9f2c7e41-never-printed";
    private readonly string _dir = Directory.CreateTempSubdirectory("dl-verify-redis-").FullName;
    private readonly List<ServerProcess> _servers = [];

    private ServerProcess Redis(int port, params string[] extra)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_dir, port.ToString())).FullName;
        var server = ServerProcess.Start($"redis {port}", "redis-server",
            ["--port", port.ToString(), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no",
             "--requirepass", Password, "--masterauth", Password, .. extra]).WaitForPort(port);
        _servers.Add(server);
        return server;
    }

    [Fact]
    public void Master_replica_and_sentinel_are_healthy_then_a_second_master_and_a_stopped_replica_fail_with_clear_details()
    {
        int master = ServerProcess.FreePort(), replica = ServerProcess.FreePort(), sentinel = ServerProcess.FreePort();
        Redis(master);
        var replicaServer = Redis(replica, "--replicaof", "127.0.0.1", master.ToString());
        var site = LoopbackSite.Of("vt", [
            LoopbackSite.Host("r1", ["redis", "redis_sentinel"], ("redis_port", master), ("redis_sentinel_port", sentinel)),
            LoopbackSite.Host("r2", ["redis"], ("redis_port", replica)),
        ]);
        var conf = Path.Combine(_dir, "sentinel.conf");
        File.WriteAllText(conf, $"port {sentinel}\nbind 127.0.0.1\ndir {_dir}\nsentinel monitor {RedisRenderer.MasterName(site)} 127.0.0.1 {master} 1\n" +
            $"sentinel auth-pass {RedisRenderer.MasterName(site)} {Password}\n");
        _servers.Add(ServerProcess.Start("sentinel", "redis-server", [conf, "--sentinel"]).WaitForPort(sentinel));
        var options = LoopbackSite.Options("redis", (RedisComponent.PasswordKey, Password));

        // Until the master itself counts its replica too: the replica reports its link up a moment before the master lists it.
        var healthy = LoopbackSite.VerifyUntil(site, options, r => r.Checks.Where(c => c.Check != "exporter").All(c => c.Status == HealthStatus.Healthy)
            && r.Check("r1", "ping + role").Detail.Contains("1 replica"));
        healthy.Check("r1", "ping + role").Detail.ShouldBe("PONG; master with 1 replica(s)");
        healthy.Check("r2", "ping + role").Detail.ShouldBe($"PONG; replica of 127.0.0.1:{master}, link up");
        healthy.Check("cluster", "primary").Detail.ShouldBe($"one master (r1 127.0.0.1:{master}); 1 of 1 replicas connected to it");
        healthy.Check("r1", "sentinel").Detail.ShouldContain("OK 1 usable Sentinels");
        healthy.Check("cluster", "sentinel master").Detail.ShouldBe($"1 of 1 Sentinels name 127.0.0.1:{master}");
        // No exporter runs here: the check says so rather than passing.
        healthy.Check("r1", "exporter").Status.ShouldBe(HealthStatus.Failed);

        // Wrong role: the replica promoted by hand makes two masters.
        Tool.Run("redis-cli", ["-p", replica.ToString(), "--no-auth-warning", "-a", Password, "REPLICAOF", "NO", "ONE"]).ExitCode.ShouldBe(0);
        var twoMasters = LoopbackSite.Verify(site, options);
        twoMasters.Check("cluster", "primary").Status.ShouldBe(HealthStatus.Failed);
        twoMasters.Check("cluster", "primary").Detail.ShouldBe("2 masters (r1, r2); want exactly 1");

        // A stopped member: its own check fails with the connection error, and the cluster misses its replica.
        replicaServer.Stop();
        var stopped = LoopbackSite.Verify(site, options);
        stopped.Check("r2", "ping + role").Status.ShouldBe(HealthStatus.Failed);
        stopped.Check("r2", "ping + role").Detail.ShouldContain("refused");
        stopped.Check("cluster", "primary").Detail.ShouldBe($"one master (r1 127.0.0.1:{master}); 0 of 1 replicas connected to it");

        foreach (var report in new[] { healthy, twoMasters, stopped })
            LoopbackSite.Describe(report).ShouldNotContain(Password);
    }

    [Fact]
    public void A_wrong_password_fails_without_printing_either_password()
    {
        var port = ServerProcess.FreePort();
        Redis(port);
        var site = LoopbackSite.Of("vt", [LoopbackSite.Host("r1", ["redis"], ("redis_port", port))]);
        const string wrong = "Wrong-Pw-3a7d1c90";
        var report = LoopbackSite.Verify(site, LoopbackSite.Options("redis", (RedisComponent.PasswordKey, wrong)));
        var check = report.Check("r1", "ping + role");
        check.Status.ShouldBe(HealthStatus.Failed);
        check.Detail.ShouldStartWith("AUTH refused: WRONGPASS");
        LoopbackSite.Describe(report).ShouldNotContain(wrong);
        LoopbackSite.Describe(report).ShouldNotContain(Password);

        var noSecret = LoopbackSite.Verify(site, LoopbackSite.Options("redis"));
        noSecret.Check("r1", "ping + role").Detail.ShouldContain($"{RedisComponent.PasswordKey} is not in the vault");
    }

    public void Dispose()
    {
        foreach (var s in _servers) s.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    [Fact]
    public void A_running_Sentinel_gets_the_site_settings_its_seed_file_no_longer_decides()
    {
        int master = ServerProcess.FreePort(), sentinel = ServerProcess.FreePort();
        Redis(master);
        var site = LoopbackSite.Of("vs", [LoopbackSite.Host("r1", ["redis", "redis_sentinel"], ("redis_port", master), ("redis_sentinel_port", sentinel))]);
        var host = site.Hosts.Single();
        var conf = Path.Combine(_dir, "sentinel-settings.conf");
        // Started with another down-after than the site's (as a Sentinel seeded before the site changed it).
        File.WriteAllText(conf, $"port {sentinel}\nbind 127.0.0.1\ndir {_dir}\nsentinel monitor {RedisRenderer.MasterName(site)} 127.0.0.1 {master} 1\n" +
            $"sentinel auth-pass {RedisRenderer.MasterName(site)} {Password}\nsentinel down-after-milliseconds {RedisRenderer.MasterName(site)} 5000\n");
        _servers.Add(ServerProcess.Start("sentinel", "redis-server", [conf, "--sentinel"]).WaitForPort(sentinel));
        var (check, set) = RedisRenderer.SentinelSettings(site, host);

        Tool.Run("bash", ["-c", check]).ExitCode.ShouldBe(1, "down-after 5000 is not the site's 3000");
        Tool.Run("bash", ["-c", set]).ExitCode.ShouldBe(0);
        Tool.Run("bash", ["-c", check]).ExitCode.ShouldBe(0);
        var live = Tool.Run("redis-cli", ["-p", sentinel.ToString(), "sentinel", "master", RedisRenderer.MasterName(site)]).Stdout.Split('\n');
        live[Array.IndexOf(live, "down-after-milliseconds") + 1].ShouldBe(RedisSettings.DownAfterMs.Default.ToString());
        File.ReadAllText(conf).ShouldContain($"down-after-milliseconds {RedisRenderer.MasterName(site)} {RedisSettings.DownAfterMs.Default}", customMessage: "SENTINEL SET rewrote its file");

        // A refused SET fails the command (redis-cli itself exits 0 on an error reply).
        Tool.Run("bash", ["-c", set.Replace(RedisRenderer.MasterName(site), "no-such-master")]).ExitCode.ShouldBe(1);
    }

    [Fact]
    public void A_running_server_gets_the_sites_replication_safety_settings_its_seed_file_no_longer_decides()
    {
        int port = ServerProcess.FreePort();
        var dir = Directory.CreateDirectory(Path.Combine(_dir, $"settings-{port}")).FullName;
        var conf = Path.Combine(dir, "redis.conf");
        // Seeded before the site lowered min-replicas-max-lag (the old rendered value, 10).
        File.WriteAllText(conf, $"port {port}\nbind 127.0.0.1\ndir {dir}\nsave \"\"\nappendonly no\nrequirepass {Password}\nmin-replicas-to-write 0\nmin-replicas-max-lag 10\n");
        _servers.Add(ServerProcess.Start("redis settings", "redis-server", [conf]).WaitForPort(port));
        var site = LoopbackSite.Of("vs", [
            LoopbackSite.Host("r1", ["redis"], ("redis_port", port)),
            LoopbackSite.Host("r2", ["redis"], ("redis_port", ServerProcess.FreePort()))]);
        var auth = Path.Combine(dir, "cli.auth");
        File.WriteAllText(auth, Password + "\n");
        string Local(string command) => command.Replace(RedisRenderer.CliAuthPath, auth);
        var (check, set) = RedisRenderer.ServerSettings(site, site.Hosts[0]);
        check.ShouldNotContain(Password);
        set.ShouldNotContain(Password);

        Tool.Run("bash", ["-c", Local(check)]).ExitCode.ShouldBe(1, "10 s and 0 replicas to write are not the site's");
        Tool.Run("bash", ["-c", Local(set)]).ExitCode.ShouldBe(0);
        Tool.Run("bash", ["-c", Local(check)]).ExitCode.ShouldBe(0);
        var rewritten = File.ReadAllText(conf);
        rewritten.ShouldContain($"min-replicas-max-lag {RedisSettings.MinReplicasMaxLag.Default}", customMessage: "CONFIG REWRITE kept it for the next start");
        rewritten.ShouldContain("min-replicas-to-write 1");
        // A refused SET fails the command (redis-cli itself exits 0 on an error reply).
        Tool.Run("bash", ["-c", Local(set).Replace("min-replicas-max-lag 5", "min-replicas-max-lag not-a-number")]).ExitCode.ShouldBe(1);
    }
}

using Datalyptica.Contracts.Health;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Verification;

/// <summary>
/// The Patroni probe against two real Patroni 3.0 members (started through the rendered launcher) (PostgreSQL 15, run as the postgres user) and a real etcd on
/// loopback, in synchronous mode: one leader and a synchronous standby; a stopped member fails the cluster checks.
/// </summary>
public sealed class PatroniProbeTests : IDisposable
{
    private readonly string _dir;
    private readonly List<ServerProcess> _servers = [];

    public PatroniProbeTests()
    {
        if (!File.Exists("/usr/bin/patroni")) throw new InvalidOperationException("patroni is missing: setup.sh installs patroni, python3-etcd3 and python3-psycopg2.");
        _dir = Path.Combine(Path.GetTempPath(), "dl-verify-patroni-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(_dir);
        Tool.Run("chown", ["postgres:postgres", _dir]).ExitCode.ShouldBe(0);
    }

    private ServerProcess StartMember(string name, int rest, int pg, int etcd)
    {
        var data = Path.Combine(_dir, name);
        var cfg = Path.Combine(_dir, name + ".yml");
        File.WriteAllText(cfg, $"""
            scope: vt-pg
            name: {name}
            restapi:
              listen: 127.0.0.1:{rest}
              connect_address: 127.0.0.1:{rest}
            etcd3:
              hosts: 127.0.0.1:{etcd}
              protocol: http
            bootstrap:
              dcs:
                ttl: 20
                loop_wait: 1
                retry_timeout: 5
                synchronous_mode: true
              initdb:
                - encoding: UTF8
                - locale: C.UTF-8
            postgresql:
              listen: 127.0.0.1:{pg}
              connect_address: 127.0.0.1:{pg}
              data_dir: {data}
              bin_dir: /usr/lib/postgresql/15/bin
              pgpass: {_dir}/{name}.pgpass
              authentication:
                superuser: {"{"}username: postgres, password: unused{"}"}
                replication: {"{"}username: postgres, password: unused{"}"}
              parameters:
                unix_socket_directories: {_dir}
                fsync: "off"
              pg_hba:
                - local all all trust
                - host all all 127.0.0.1/32 trust
                - host replication all 127.0.0.1/32 trust

            """);
        Tool.Run("chown", ["postgres:postgres", cfg]).ExitCode.ShouldBe(0);
        ServerProcess? server = null;
        // Started as the lab's unit starts it: through the rendered launcher (PatroniLauncher). runuser forks Patroni; stop
        // Patroni itself (its only child) by PID so it shuts PostgreSQL down cleanly.
        var launcher = Path.Combine(_dir, "run-patroni.py");
        File.WriteAllText(launcher, RenderedSites.Production.File("pg01", Datalyptica.Components.Patroni.PatroniLauncher.Path).Content);
        server = ServerProcess.Start(name, "runuser", ["-u", "postgres", "--", "/usr/bin/python3", launcher, cfg], realPid: () => server!.ChildPid());
        _servers.Add(server);
        return server.WaitForPort(rest, 60);
    }

    [Fact]
    public void Leader_and_sync_standby_are_healthy_and_a_stopped_member_fails_the_cluster_checks()
    {
        _servers.Add(ServerProcess.StartEtcd(Path.Combine(_dir, "etcd"), out var etcdClient));
        var ports = new[] { (Api: ServerProcess.FreePort(), Pg: ServerProcess.FreePort()), (Api: ServerProcess.FreePort(), Pg: ServerProcess.FreePort()) };
        StartMember("db1", ports[0].Api, ports[0].Pg, etcdClient);
        var site = LoopbackSite.Of("vt", ports.Select((p, i) => LoopbackSite.Host($"db{i + 1}", ["postgresql"], ("patroni_rest_port", p.Api), ("postgresql_port", p.Pg))));
        var options = LoopbackSite.Options("patroni");
        // db1 bootstraps and leads before db2 starts, so the leader is known.
        LoopbackSite.VerifyUntil(site, options, r => r.Check("db1", "health").Detail.Contains("leader"), seconds: 60);
        var db2 = StartMember("db2", ports[1].Api, ports[1].Pg, etcdClient);

        var healthy = LoopbackSite.VerifyUntil(site, options, r => r.Checks.All(c => c.Status == HealthStatus.Healthy), seconds: 90);
        healthy.Check("db1", "health").Detail.ShouldBe("running; /primary → 200 (leader)");
        healthy.Check("db2", "health").Detail.ShouldBe("running; /replica → 200");
        healthy.Check("cluster", "leader").Detail.ShouldBe("one leader: db1 (running)");
        healthy.Check("cluster", "sync standby").Detail.ShouldBe("db2 (want 1)");
        healthy.Check("cluster", "members").Detail.ShouldStartWith("2 of 2 running");

        db2.Stop();
        var stopped = LoopbackSite.VerifyUntil(site, options, r => r.Check("cluster", "members").Status == HealthStatus.Failed, seconds: 30);
        stopped.Check("db2", "health").Status.ShouldBe(HealthStatus.Failed);
        stopped.Check("cluster", "members").Detail.ShouldContain("not running: db2");
        stopped.Check("cluster", "sync standby").Status.ShouldBe(HealthStatus.Failed);
        stopped.Check("cluster", "leader").Status.ShouldBe(HealthStatus.Healthy);
    }

    public void Dispose()
    {
        // Members first (they stop PostgreSQL), etcd last.
        foreach (var s in Enumerable.Reverse(_servers)) s.Dispose();
        // A member that died abruptly leaves its PostgreSQL behind: stop it by the PID in its own postmaster.pid.
        foreach (var pidFile in new[] { "db1", "db2" }.Select(n => Path.Combine(_dir, n, "postmaster.pid")).Where(File.Exists))
            if (int.TryParse(File.ReadLines(pidFile).First(), out var pid)) Tool.Run("kill", ["-QUIT", pid.ToString()]);
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}

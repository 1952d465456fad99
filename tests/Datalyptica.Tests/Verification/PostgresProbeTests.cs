using System.Net;
using Datalyptica.Components.PostgreSQL;
using Datalyptica.Contracts.Health;
using Datalyptica.Model;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Verification;

/// <summary>
/// PostgreSQL and HAProxy probes against a real PostgreSQL 15 (run as the postgres user) and a real haproxy on loopback:
/// the monitor user's password comes from the options' secrets and never prints; the VIP's primary port answers as a
/// primary, and a replicas port that reaches the primary is a wrong role.
/// </summary>
public sealed class PostgresProbeTests : IDisposable
{
    private const string MonitorPassword = "Pg-Monitor-Pw-5e8b2d17-never-printed";
    private const string PgBin = "/usr/lib/postgresql/15/bin";
    private readonly string _dir;
    private readonly List<ServerProcess> _servers = [];

    public PostgresProbeTests()
    {
        if (!File.Exists($"{PgBin}/postgres")) throw new InvalidOperationException("PostgreSQL 15 is missing: setup.sh installs postgresql-15.");
        _dir = Path.Combine(Path.GetTempPath(), "dl-verify-pg-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(_dir);
        Tool.Run("chown", ["postgres:postgres", _dir]).ExitCode.ShouldBe(0);
    }

    private ServerProcess StartPostgres(int port)
    {
        var data = Path.Combine(_dir, "data");
        var r = Tool.Run("runuser", ["-u", "postgres", "--", $"{PgBin}/initdb", "-D", data, "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]);
        r.ExitCode.ShouldBe(0, r.Output);
        File.WriteAllText(Path.Combine(data, "pg_hba.conf"), "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n");
        var server = ServerProcess.Start("postgres", "runuser",
            ["-u", "postgres", "--", $"{PgBin}/postgres", "-D", data, "-p", port.ToString(), "-k", _dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
            realPid: () => File.Exists(Path.Combine(data, "postmaster.pid")) && int.TryParse(File.ReadLines(Path.Combine(data, "postmaster.pid")).First(), out var pid) ? pid : null)
            .WaitForPort(port);
        _servers.Add(server);
        // The port opens before recovery ends ("the database system is starting up"): retry, bounded.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Tool.Result psql;
        do
        {
            psql = Tool.Run("runuser", ["-u", "postgres", "--", $"{PgBin}/psql", "-h", _dir, "-p", port.ToString(), "-U", "postgres", "-v", "ON_ERROR_STOP=1",
                "-c", $"create role {PostgresLayout.MonitorUser} login password '{MonitorPassword}'"]);
            if (psql.ExitCode == 0 || !psql.Output.Contains("starting up")) break;
            Thread.Sleep(100);
        } while (DateTime.UtcNow < deadline);
        psql.ExitCode.ShouldBe(0, psql.Output);
        return server;
    }

    [Fact]
    public void Members_and_the_VIP_pools_report_roles_a_replicas_pool_reaching_the_primary_fails_and_a_stopped_server_fails()
    {
        int pg = ServerProcess.FreePort(), primaryPool = ServerProcess.FreePort(), replicaPool = ServerProcess.FreePort(), stats = ServerProcess.FreePort();
        var postgres = StartPostgres(pg);
        var cfg = Path.Combine(_dir, "haproxy.cfg");
        // The rendered pools' names; tcp checks stand in for Patroni's REST checks (no Patroni here).
        File.WriteAllText(cfg, $"""
            global
                maxconn 100
            defaults
                mode tcp
                timeout connect 1s
                timeout client 10s
                timeout server 10s
            listen stats
                mode http
                bind 127.0.0.1:{stats}
                stats enable
                stats uri /
            listen postgres_primary
                bind 127.0.0.1:{primaryPool}
                server db1 127.0.0.1:{pg} check inter 200ms fall 1 rise 1
            listen postgres_replicas
                bind 127.0.0.1:{replicaPool}
                server db1 127.0.0.1:{pg} check inter 200ms fall 1 rise 1

            """);
        _servers.Add(ServerProcess.Start("haproxy", "haproxy", ["-db", "-f", cfg]).WaitForPort(stats));
        var closed = ServerProcess.FreePort();
        var site = LoopbackSite.Of("vt", [
            LoopbackSite.Host("db1", ["postgresql"], ("postgresql_port", pg)),
            LoopbackSite.Host("db2", ["postgresql"], ("postgresql_port", closed)),
            LoopbackSite.Host("lb1", ["haproxy", "keepalived"], ("haproxy_postgres_primary_port", primaryPool),
                ("haproxy_postgres_replicas_port", replicaPool), ("haproxy_stats_port", stats)),
        ], [new Vip("main", IPAddress.Loopback, 8, 51, "keepalived")]);
        var options = LoopbackSite.Options("postgresql", (PostgresLayout.MonitorPasswordKey, MonitorPassword));

        var report = LoopbackSite.Verify(site, options);
        report.Check("db1", "accepts connections").Detail.ShouldBe("primary");
        report.Check("db1", "accepts connections").Status.ShouldBe(HealthStatus.Healthy);
        report.Check("db2", "accepts connections").Status.ShouldBe(HealthStatus.Failed); // the stopped member
        report.Check("db2", "accepts connections").Detail.ShouldContain("refused");
        var primary = report.Check("cluster", $"via VIP :{primaryPool} (primary)");
        primary.Status.ShouldBe(HealthStatus.Healthy, LoopbackSite.Describe(report));
        primary.Detail.ShouldBe($"127.0.0.1:{primaryPool} answered as the primary");
        var replicas = report.Check("cluster", $"via VIP :{replicaPool} (replica)");
        replicas.Status.ShouldBe(HealthStatus.Failed);
        replicas.Detail.ShouldBe($"127.0.0.1:{replicaPool} answered as the primary; want the replica");

        var lb = LoopbackSite.VerifyUntil(site, LoopbackSite.Options("haproxy"), r => r.Check("lb1", "backends").Status == HealthStatus.Healthy);
        lb.Check("lb1", "backends").Detail.ShouldBe("postgres_primary 1/1 up; postgres_replicas 1/1 up; 3 backends");

        postgres.Stop();
        // Until both pools saw it: each pool's health check runs on its own timer, so either may mark the server down first.
        var down = LoopbackSite.VerifyUntil(site, LoopbackSite.Options("haproxy"), r => r.Check("lb1", "backends").Status == HealthStatus.Failed
            && r.Check("lb1", "backends").Detail.Contains("postgres_primary has 0 servers up")
            && r.Check("lb1", "backends").Detail.Contains("postgres_replicas has no server up"));
        down.Check("lb1", "backends").Detail.ShouldStartWith("postgres_primary has 0 servers up (want exactly 1: the Patroni leader); postgres_replicas has no server up");
        var gone = LoopbackSite.Verify(site, options);
        gone.Check("cluster", $"via VIP :{primaryPool} (primary)").Status.ShouldBe(HealthStatus.Failed);

        foreach (var r in new[] { report, lb, down, gone }) LoopbackSite.Describe(r).ShouldNotContain(MonitorPassword);
    }

    public void Dispose()
    {
        foreach (var s in _servers) s.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}

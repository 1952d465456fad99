using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Datalyptica.Components;
using Datalyptica.Components.Redis;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;
using Datalyptica.Rendering;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Redis;

public class RedisRendererTests
{
    private static IEnumerable<RenderedSite> Sites => [RenderedSites.Production, RenderedSites.Development];

    private static Dictionary<string, string> Directives(string conf) =>
        conf.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != '#')
            .GroupBy(l => l.Split(' ')[0]).ToDictionary(g => g.Key, g => g.Last()[(g.Key.Length)..].Trim());

    [Fact]
    public void Only_replicas_have_replicaof_and_it_names_the_first_member_with_its_port()
    {
        foreach (var site in Sites)
        {
            var members = site.Site.HostsWith(RedisComponent.Data).ToList();
            members.Count.ShouldBeGreaterThan(1);
            var primary = members[0];
            foreach (var host in members)
            {
                var file = site.File(host.Name, RedisRenderer.ConfPath);
                file.Kind.ShouldBe(FileKind.Seed);
                var d = Directives(file.Content);
                if (host == primary) d.ShouldNotContainKey("replicaof", $"{site}: {host.Name}");
                else d["replicaof"].ShouldBe($"{primary.Address} {primary.Port(RedisComponent.Server)}", $"{site}: {host.Name}");
                d["bind"].ShouldBe($"{host.Address} 127.0.0.1");
                d["port"].ShouldBe(host.Port(RedisComponent.Server).ToString());
                d["requirepass"].ShouldBe(SecretPlaceholder.For("vault_redis_password"));
                d["masterauth"].ShouldBe(SecretPlaceholder.For("vault_redis_password"));
                d["appendonly"].ShouldBe("yes");
                d["min-replicas-to-write"].ShouldBe("1");
                file.Mode.ShouldBe(Modes.Private);
                file.Group.ShouldBe("redis");
            }
        }
    }

    [Fact]
    public void Maxmemory_leaves_room_for_co_located_roles_and_fork_headroom()
    {
        // Development puts Kafka, Loki and Redis on the same 32 GB hosts; production gives Redis 24 GB alone.
        int Max(RenderedSite s, string host) =>
            int.Parse(Directives(s.File(host, RedisRenderer.ConfPath).Content)["maxmemory"].TrimEnd('m', 'b'));
        var dev = RenderedSites.Development;
        foreach (var host in dev.Site.HostsWith(RedisComponent.Data))
        {
            var others = host.Roles.Where(r => r.Component.Id != "redis").Sum(r => r.Needs.RamGb) + OsBase.Reserve.RamGb;
            var mb = Max(dev, host.Name);
            mb.ShouldBeLessThanOrEqualTo((int)((host.RamGb - others) * 1024 / 2));
            (mb + others * 1024).ShouldBeLessThan(host.RamGb * 1024);
        }
        var prodHost = RenderedSites.Production.Site.HostsWith(RedisComponent.Data).First();
        Max(RenderedSites.Production, prodHost.Name).ShouldBeGreaterThan(Max(dev, dev.Site.HostsWith(RedisComponent.Data).First().Name));
    }

    [Fact]
    public void Sentinels_monitor_the_initial_primary_with_a_majority_quorum()
    {
        foreach (var site in Sites)
        {
            var primary = site.Site.HostsWith(RedisComponent.Data).First();
            var sentinels = site.Site.HostsWith(RedisComponent.Sentinel).ToList();
            sentinels.Count.ShouldBeGreaterThanOrEqualTo(3);
            var monitors = sentinels.Select(h => site.File(h.Name, RedisRenderer.SentinelConfPath)).ToList();
            foreach (var (host, file) in sentinels.Zip(monitors))
            {
                file.Kind.ShouldBe(FileKind.Seed);
                file.Mode.ShouldBe(Modes.Private);
                var lines = file.Content.Split('\n');
                lines.ShouldContain($"sentinel monitor {site.Site.Name}-redis {primary.Address} {primary.Port(RedisComponent.Server)} {sentinels.Count / 2 + 1}");
                lines.ShouldContain($"port {host.Port(RedisComponent.SentinelPort)}");
                lines.ShouldContain($"sentinel auth-pass {site.Site.Name}-redis {SecretPlaceholder.For("vault_redis_password")}");
            }
        }
    }

    [Fact]
    public void The_server_drop_in_replaces_debians_restart_always()
    {
        var site = RenderedSites.Production;
        var host = site.Site.HostsWith(RedisComponent.Data).First();
        var dropIn = site.File(host.Name, RedisRenderer.ServerDropInPath);
        dropIn.Kind.ShouldBe(FileKind.SystemdUnit);
        dropIn.Content.ShouldContain("Restart=on-failure\n");
        dropIn.Content.ShouldNotContain("Restart=always\n");
        var exporter = site.File(host.Name, RedisRenderer.ExporterDefaultsPath);
        exporter.Content.ShouldContain($"REDIS_EXPORTER_WEB_LISTEN_ADDRESS={host.Address}:{host.Port(RedisComponent.Exporter)}\n");
        (exporter.Mode & (UnixFileMode.OtherRead | UnixFileMode.GroupRead)).ShouldBe((UnixFileMode)0);
    }

    [Fact]
    public void A_moved_port_on_the_primary_reaches_replicas_and_sentinels()
    {
        var site = RenderedSites.Production.Site;
        var primary = site.HostsWith(RedisComponent.Data).First();
        var moved = primary with { Vars = new Dictionary<string, Setting>(primary.Vars) { ["redis_port"] = new(6390, null) } };
        var changed = site with { Hosts = site.Hosts.Select(h => h == primary ? moved : h).ToList() };
        var files = SiteRenderer.Render(changed, componentId: "redis").SelectMany(h => h.Files.Select(f => (h.Host, f))).ToList();
        files.Single(x => x.Host.Name == primary.Name && x.f.Path == RedisRenderer.ConfPath).f.Content.ShouldContain("\nport 6390\n");
        files.Where(x => x.f.Path == RedisRenderer.ConfPath && x.Host.Name != primary.Name)
            .ShouldAllBe(x => x.f.Content.Contains($"replicaof {primary.Address} 6390\n"));
        files.Where(x => x.f.Path == RedisRenderer.SentinelConfPath)
            .ShouldAllBe(x => x.f.Content.Contains($" {primary.Address} 6390 "));
    }

    [Fact]
    public void Real_redis_server_and_sentinel_accept_every_rendered_file()
    {
        foreach (var site in Sites)
        foreach (var (host, file) in site.AllFiles.Where(x => x.File.Path is RedisRenderer.ConfPath or RedisRenderer.SentinelConfPath))
        {
            var sentinel = file.Path == RedisRenderer.SentinelConfPath;
            var expected = Directives(file.Content);
            using var server = RealRedis.Start(file, sentinel);
            var where = $"{site}: {host.Name}:{file.Path}";
            if (!sentinel)
            {
                server.Cli("CONFIG", "GET", "appendonly").ShouldBe(["appendonly", "yes"], where);
                server.Cli("CONFIG", "GET", "min-replicas-to-write").ShouldBe(["min-replicas-to-write", "1"], where);
                var bytes = long.Parse(server.Cli("CONFIG", "GET", "maxmemory")[1]);
                bytes.ShouldBe(long.Parse(expected["maxmemory"].TrimEnd('m', 'b')) * 1024 * 1024, where);
                server.Cli("CONFIG", "GET", "maxmemory-policy")[1].ShouldBe(RedisSettings.MaxMemoryPolicy.Default);
                server.Cli("CONFIG", "GET", "masterauth")[1].ShouldBe(HostRoot.DummySecret("vault_redis_password"));
                var role = server.Cli("ROLE")[0];
                role.ShouldBe(expected.ContainsKey("replicaof") ? "slave" : "master", where);
            }
            else
            {
                var master = server.Cli("SENTINEL", "MASTER", $"{site.Site.Name}-redis");
                string Field(string name) => master[master.IndexOf(name) + 1];
                Field("quorum").ShouldBe((site.Site.HostsWith(RedisComponent.Sentinel).Count() / 2 + 1).ToString(), where);
                Field("down-after-milliseconds").ShouldBe(RedisSettings.DownAfterMs.Default.ToString(), where);
                Field("failover-timeout").ShouldBe("60000");
                Field("parallel-syncs").ShouldBe("1");
                var primary = site.Site.HostsWith(RedisComponent.Data).First();
                Field("ip").ShouldBe(primary.Address.ToString());
            }
        }
    }

    /// <summary>A real redis-server on a free loopback port, started from a rendered file with only bind/port/dir/log/pid overridden.</summary>
    private sealed class RealRedis : IDisposable
    {
        private readonly Process _process;
        private readonly string _dir;
        private readonly int _port;
        private readonly bool _sentinel;

        private RealRedis(Process process, string dir, int port, bool sentinel) => (_process, _dir, _port, _sentinel) = (process, dir, port, sentinel);

        public static RealRedis Start(RenderedFile file, bool sentinel)
        {
            var dir = Path.Combine(Path.GetTempPath(), "dl-redis-" + Guid.NewGuid().ToString("N")[..10]);
            Directory.CreateDirectory(dir);
            var port = FreePort();
            var conf = Path.Combine(dir, sentinel ? "sentinel.conf" : "redis.conf");
            // Redis applies the last occurrence of a directive, so appended overrides win.
            File.WriteAllText(conf, SecretPlaceholder.Resolve(file.Content, HostRoot.DummySecret) +
                $"\n# test overrides\nbind 127.0.0.1\nport {port}\ndir {dir}\nlogfile \"\"\npidfile {dir}/redis.pid\ndaemonize no\nsupervised no\n");
            var start = new ProcessStartInfo(Tool.Resolve("redis-server")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(conf);
            if (sentinel) start.ArgumentList.Add("--sentinel");
            var process = Process.Start(start)!;
            var output = new System.Text.StringBuilder();
            process.OutputDataReceived += (_, e) => { lock (output) output.Append(e.Data).Append('\n'); };
            process.ErrorDataReceived += (_, e) => { lock (output) output.Append(e.Data).Append('\n'); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var redis = new RealRedis(process, dir, port, sentinel);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (DateTime.UtcNow < deadline)
            {
                if (process.HasExited)
                {
                    redis.Dispose();
                    lock (output) throw new Xunit.Sdk.XunitException($"redis-server refused {file.Path}:\n{output}");
                }
                try { if (redis.Cli("PING") is ["PONG"]) return redis; } catch (InvalidOperationException) { }
                Thread.Sleep(50);
            }
            redis.Dispose();
            throw new TimeoutException($"redis-server did not answer PING on {port}");
        }

        public string[] Cli(params string[] args)
        {
            var all = new List<string> { "-h", "127.0.0.1", "-p", _port.ToString(), "--no-auth-warning" };
            if (!_sentinel) all.AddRange(["-a", HostRoot.DummySecret("vault_redis_password")]);
            var r = Tool.Run("redis-cli", all.Concat(args), timeoutSeconds: 5);
            if (r.ExitCode != 0 || r.Stdout.StartsWith("Could not connect")) throw new InvalidOperationException(r.Output);
            return r.Stdout.TrimEnd('\n').Split('\n');
        }

        private static int FreePort()
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            var port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            return port;
        }

        public void Dispose()
        {
            try { if (!_process.HasExited) { _process.Kill(); _process.WaitForExit(5000); } } catch (InvalidOperationException) { }
            _process.Dispose();
            try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
        }
    }
}

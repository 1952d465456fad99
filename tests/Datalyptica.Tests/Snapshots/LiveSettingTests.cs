using Datalyptica.Components.Redis;
using Datalyptica.Engine.Planning;
using Datalyptica.Rendering;
using Datalyptica.Secrets;
using Datalyptica.Snapshots;
using Datalyptica.Tests.Engine;
using Datalyptica.Tests.Verification;

namespace Datalyptica.Tests.Snapshots;

/// <summary>A snapshot's live settings read from a real Redis master and Sentinel on loopback.</summary>
public sealed class LiveSettingTests : IDisposable
{
    private const string Password = "Redis-Pw-5d1e90aa-never-stored";
    private readonly string _dir = Directory.CreateTempSubdirectory("dl-snap-redis-").FullName;
    private readonly List<ServerProcess> _servers = [];
    private readonly TempRoot _root = new();

    public void Dispose()
    {
        foreach (var server in _servers) server.Dispose();
        _root.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task What_each_Sentinel_monitors_is_stored_settled_so_a_quiet_Sentinel_snapshots_the_same_twice()
    {
        int master = ServerProcess.FreePort(), sentinelPort = ServerProcess.FreePort();
        _servers.Add(ServerProcess.Start("redis", "redis-server", ["--port", master.ToString(), "--bind", "127.0.0.1", "--dir", _dir,
            "--save", "", "--appendonly", "no", "--requirepass", Password]).WaitForPort(master));
        var site = LoopbackSite.Of("vs", [LoopbackSite.Host("r1", ["redis", "redis_sentinel"], ("redis_port", master), ("redis_sentinel_port", sentinelPort))]);
        var name = RedisRenderer.MasterName(site);
        var conf = Path.Combine(_dir, "sentinel.conf");
        File.WriteAllText(conf, $"port {sentinelPort}\nbind 127.0.0.1\ndir {_dir}\nsentinel monitor {name} 127.0.0.1 {master} 1\n" +
            $"sentinel auth-pass {name} {Password}\nsentinel down-after-milliseconds {name} 3000\n");
        var sentinel = ServerProcess.Start("sentinel", "redis-server", [conf, "--sentinel"]).WaitForPort(sentinelPort);
        _servers.Add(sentinel);
        var prepared = new PreparedSite(site, DesiredStateBuilder.Build(site, SiteRenderer.Render(site), ArtifactCatalog.FromSite(site)),
            new Dictionary<string, Secret> { [RedisComponent.PasswordKey] = new(Password) });

        Task<Snapshot> CaptureAsync() => SnapshotCapture.CaptureAsync(prepared, prepared.Desired, n => new LocalTestTransport(n),
            new SnapshotOptions { Root = _root.Path }, CancellationToken.None);
        var first = await CaptureAsync();
        first.Problems.ShouldBeEmpty();
        first.LiveCaptured.ShouldBe(1);
        var path = "live/redis/sentinel-master/r1.txt";
        first.Files[path].ShouldBe(
            $"name: {name}\nip: 127.0.0.1\nport: {master}\nflags: master\nquorum: 1\nnum-slaves: 0\nnum-other-sentinels: 0\n" +
            "config-epoch: 0\ndown-after-milliseconds: 3000\nfailover-timeout: 180000\nparallel-syncs: 1\n");
        (await CaptureAsync()).Files[path].ShouldBe(first.Files[path], "ping times and link counts are not settings");
        first.Replaced.ShouldContain(path);

        // A Sentinel that does not answer: the setting is reported, and the last snapshot's copy is kept (not replaced).
        sentinel.Dispose();
        var without = await CaptureAsync();
        without.Files.ShouldNotContainKey(path);
        without.Replaced.ShouldNotContain(path);
        var problem = without.Problems.ShouldHaveSingleItem();
        problem.Where.ShouldBe("redis sentinel-master");
        problem.HostMissed.ShouldBeFalse();
        problem.Message.ShouldContain("r1: exit");
        string.Concat(first.Files.Values).ShouldNotContain(Password);
    }

    [Fact]
    public void Sentinel_output_that_is_not_field_value_pairs_is_kept_as_it_is()
    {
        SentinelState.Settled("ERR No such master with that name\n").ShouldBe("ERR No such master with that name\n");
        SentinelState.Settled("name\nm\nlast-ping-sent\n0\nquorum\n2\n").ShouldBe("name: m\nquorum: 2\n");
    }
}

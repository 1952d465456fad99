using Datalyptica.Contracts.Health;

namespace Datalyptica.Tests.Verification;

/// <summary>The ZooKeeper probe against a real Debian ZooKeeper 3.8 (standalone) on loopback.</summary>
public sealed class ZooKeeperProbeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dl-verify-zk-").FullName;
    private ServerProcess? _server;

    [Fact]
    public void A_standalone_server_is_healthy_for_one_member_and_a_wrong_role_when_the_site_configures_three()
    {
        if (!File.Exists("/usr/share/java/zookeeper.jar")) throw new InvalidOperationException("ZooKeeper is missing: setup.sh installs the zookeeper package.");
        var port = ServerProcess.FreePort();
        var cfg = Path.Combine(_dir, "zoo.cfg");
        File.WriteAllText(cfg, $"tickTime=200\ndataDir={_dir}\nclientPort={port}\nclientPortAddress=127.0.0.1\n4lw.commands.whitelist=ruok,srvr\nadmin.enableServer=false\n");
        var classpath = string.Join(':', new[] { "zookeeper.jar", "zookeeper-jute.jar", "slf4j-nop.jar", "slf4j-api.jar", "commons-cli.jar" }
            .Select(j => "/usr/share/java/" + j).Where(File.Exists));
        _server = ServerProcess.Start("zookeeper", "java", ["-Xmx64m", "-cp", classpath, "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg]).WaitForPort(port);

        var one = LoopbackSite.Of("vt", [LoopbackSite.Host("z1", ["zookeeper"], ("zookeeper_client_port", port))]);
        var healthy = LoopbackSite.VerifyUntil(one, LoopbackSite.Options("zookeeper"), r => r.Checks.All(c => c.Status == HealthStatus.Healthy), seconds: 20);
        healthy.Check("z1", "ruok").Detail.ShouldBe("imok");
        healthy.Check("z1", "mode").Detail.ShouldBe("standalone");

        // The site says three members: a standalone server is the wrong role, the others do not answer, and there is no leader.
        var three = LoopbackSite.Of("vt", [
            LoopbackSite.Host("z1", ["zookeeper"], ("zookeeper_client_port", port)),
            LoopbackSite.Host("z2", ["zookeeper"], ("zookeeper_client_port", ServerProcess.FreePort())),
            LoopbackSite.Host("z3", ["zookeeper"], ("zookeeper_client_port", ServerProcess.FreePort())),
        ]);
        var report = LoopbackSite.Verify(three, LoopbackSite.Options("zookeeper"));
        report.Check("z1", "mode").Status.ShouldBe(HealthStatus.Failed);
        report.Check("z1", "mode").Detail.ShouldBe("standalone, but the site configures 3 members: its zoo.cfg lists no ensemble");
        report.Check("z2", "ruok").Detail.ShouldContain("refused");
        report.Check("cluster", "leader").Detail.ShouldBe("0 leaders, 0 of 2 followers");

        _server.Stop();
        LoopbackSite.Verify(one, LoopbackSite.Options("zookeeper")).Check("z1", "ruok").Status.ShouldBe(HealthStatus.Failed);
    }

    public void Dispose()
    {
        _server?.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}

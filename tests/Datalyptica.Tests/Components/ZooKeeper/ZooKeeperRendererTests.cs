using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Datalyptica.Components;
using Datalyptica.Components.ZooKeeper;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.ZooKeeper;

public class ZooKeeperRendererTests
{
    private static IEnumerable<RenderedSite> Sites => [RenderedSites.Production, RenderedSites.Development];

    /// <summary>Parses each zoo.cfg with ZooKeeper's own QuorumPeerConfig (Java single-file source launcher).</summary>
    private const string QuorumCheck = """
import org.apache.zookeeper.server.quorum.QuorumPeerConfig;
import org.apache.zookeeper.server.quorum.QuorumPeer.QuorumServer;
import java.util.*;

public class QuorumCheck {
    public static void main(String[] args) throws Exception {
        for (String path : args) {
            QuorumPeerConfig c = new QuorumPeerConfig();
            c.parse(path);
            StringBuilder servers = new StringBuilder();
            for (Map.Entry<Long, QuorumServer> e : new TreeMap<>(c.getQuorumVerifier().getAllMembers()).entrySet()) {
                QuorumServer qs = e.getValue();
                servers.append(e.getKey()).append('=').append(qs.addr.getReachableOrOne().getAddress().getHostAddress())
                       .append(':').append(qs.addr.getReachableOrOne().getPort())
                       .append(':').append(qs.electionAddr.getReachableOrOne().getPort()).append(',');
            }
            System.out.println(path + "|" + c.getServerId() + "|" + c.getClientPortAddress().getAddress().getHostAddress() + ":" + c.getClientPortAddress().getPort()
                + "|" + c.getDataDir() + "|" + c.getTickTime() + "|" + c.getSyncLimit()
                + "|" + System.getProperty("zookeeper.4lw.commands.whitelist") + "|" + System.getProperty("zookeeper.admin.enableServer")
                + "|" + servers);
        }
    }
}
""";

    [Fact]
    public void Every_member_lists_the_same_ensemble_with_each_members_own_ports_and_its_own_myid()
    {
        foreach (var site in Sites)
        {
            var members = site.Site.HostsWith(ZooKeeperComponent.Member).ToList();
            var expected = members.Select((m, i) =>
                $"server.{i + 1}={m.Address}:{m.Port(ZooKeeperComponent.Quorum)}:{m.Port(ZooKeeperComponent.Election)}").ToList();
            foreach (var (host, i) in members.Select((h, i) => (h, i)))
            {
                var cfg = JavaProperties.Parse(site.File(host.Name, ZooKeeperRenderer.ZooCfgPath).Content);
                cfg.Where(kv => kv.Key.StartsWith("server.")).Select(kv => $"{kv.Key}={kv.Value}").ShouldBe(expected, $"{site}: {host.Name}");
                site.File(host.Name, ZooKeeperRenderer.MyIdPath).Content.ShouldBe($"{i + 1}\n");
                cfg["clientPort"].ShouldBe(host.Port(ZooKeeperComponent.Client).ToString());
                cfg["clientPortAddress"].ShouldBe(host.Address.ToString());
                cfg["dataDir"].ShouldBe("/var/lib/datalyptica/zookeeper");
                cfg["admin.enableServer"].ShouldBe("false");
                cfg["4lw.commands.whitelist"].Split(',').ShouldBe(["srvr", "ruok", "mntr", "stat"], ignoreOrder: true);
            }
        }
    }

    [Fact]
    public void The_unit_runs_the_jvm_with_a_heap_that_fits_next_to_the_co_located_roles()
    {
        foreach (var site in Sites)
        foreach (var host in site.Site.HostsWith(ZooKeeperComponent.Member))
        {
            var unit = site.File(host.Name, ZooKeeperRenderer.UnitPath);
            unit.Kind.ShouldBe(FileKind.SystemdUnit);
            unit.Content.ShouldContain("Restart=on-failure\n");
            var xmx = Regex.Match(unit.Content, @"-Xmx(\d+)([mg])");
            xmx.Success.ShouldBeTrue();
            var heapMb = int.Parse(xmx.Groups[1].Value) * (xmx.Groups[2].Value == "g" ? 1024 : 1);
            var othersMb = (host.Needs.RamGb - ZooKeeperComponent.Member.Needs.RamGb) * 1024;
            (heapMb + 512 + othersMb).ShouldBeLessThanOrEqualTo(host.RamGb * 1024, $"{site}: {host.Name}");
            unit.Content.ShouldContain($"MemoryMax={heapMb + 512}M");
            unit.Content.ShouldContain("/usr/share/java/slf4j-log4j12.jar");
        }
    }

    [Fact]
    public void Zookeepers_own_parser_accepts_every_rendered_zoo_cfg()
    {
        var java = Tool.Resolve("java");
        var dir = Path.Combine(Path.GetTempPath(), "dl-zk-" + Guid.NewGuid().ToString("N")[..10]);
        try
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "QuorumCheck.java"), QuorumCheck);
            var cases = new List<(RenderedSite Site, Datalyptica.Model.Host Host, string Path)>();
            foreach (var site in Sites)
            foreach (var host in site.Site.HostsWith(ZooKeeperComponent.Member))
            {
                // parse() reads myid from dataDir: point dataDir at a copy of the rendered myid.
                var hostDir = Directory.CreateDirectory(Path.Combine(dir, site.Site.Name, host.Name)).FullName;
                File.WriteAllText(Path.Combine(hostDir, "myid"), site.File(host.Name, ZooKeeperRenderer.MyIdPath).Content);
                var cfg = site.File(host.Name, ZooKeeperRenderer.ZooCfgPath).Content.Replace($"dataDir={ZooKeeperRenderer.DataDir}\n", $"dataDir={hostDir}\n");
                var path = Path.Combine(hostDir, "zoo.cfg");
                File.WriteAllText(path, cfg);
                cases.Add((site, host, path));
            }
            var r = Tool.Run(java, ["-cp", "/usr/share/java/zookeeper.jar:/usr/share/java/zookeeper-jute.jar:/usr/share/java/slf4j-nop.jar",
                Path.Combine(dir, "QuorumCheck.java"), .. cases.Select(c => c.Path)], timeoutSeconds: 60);
            r.ExitCode.ShouldBe(0, r.Output);
            var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            lines.Length.ShouldBe(cases.Count);
            foreach (var (c, line) in cases.Zip(lines))
            {
                var f = line.Split('|');
                f[0].ShouldBe(c.Path);
                var members = c.Site.Site.HostsWith(ZooKeeperComponent.Member).ToList();
                f[1].ShouldBe((members.IndexOf(c.Host) + 1).ToString(), line);
                f[2].ShouldBe($"{c.Host.Address}:{c.Host.Port(ZooKeeperComponent.Client)}");
                f[4].ShouldBe("2000");
                f[6].ShouldBe("srvr,ruok,mntr,stat");
                f[7].ShouldBe("false");
                f[8].ShouldBe(string.Concat(members.Select((m, i) =>
                    $"{i + 1}={m.Address}:{m.Port(ZooKeeperComponent.Quorum)}:{m.Port(ZooKeeperComponent.Election)},")));
            }
        }
        finally { try { Directory.Delete(dir, true); } catch (IOException) { } }
    }

    [Fact]
    public void The_development_ensemble_forms_on_loopback_from_the_rendered_unit_and_config()
    {
        var site = RenderedSites.Development;
        var members = site.Site.HostsWith(ZooKeeperComponent.Member).ToList();
        var root = Path.Combine(Path.GetTempPath(), "dl-zke-" + Guid.NewGuid().ToString("N")[..10]);
        var ports = members.Select(_ => (Client: FreePort(), Quorum: FreePort(), Election: FreePort())).ToList();
        var processes = new List<Process>();
        try
        {
            foreach (var (host, i) in members.Select((h, i) => (h, i)))
            {
                var conf = Directory.CreateDirectory(Path.Combine(root, host.Name, "conf")).FullName;
                var data = Directory.CreateDirectory(Path.Combine(root, host.Name, "data")).FullName;
                var logs = Directory.CreateDirectory(Path.Combine(root, host.Name, "logs")).FullName;
                var cfg = site.File(host.Name, ZooKeeperRenderer.ZooCfgPath).Content
                    .Replace(ZooKeeperRenderer.DataDir, data)
                    .Replace($"clientPort={host.Port(ZooKeeperComponent.Client)}\n", $"clientPort={ports[i].Client}\n")
                    .Replace($"clientPortAddress={host.Address}\n", "clientPortAddress=127.0.0.1\n");
                foreach (var (m, j) in members.Select((m, j) => (m, j)))
                    cfg = cfg.Replace($"={m.Address}:{m.Port(ZooKeeperComponent.Quorum)}:{m.Port(ZooKeeperComponent.Election)}\n",
                        $"=127.0.0.1:{ports[j].Quorum}:{ports[j].Election}\n");
                File.WriteAllText(Path.Combine(conf, "zoo.cfg"), cfg);
                File.WriteAllText(Path.Combine(conf, "log4j.properties"), site.File(host.Name, ZooKeeperRenderer.Log4jPath).Content.Replace(ZooKeeperRenderer.LogDir, logs));
                File.WriteAllText(Path.Combine(data, "myid"), site.File(host.Name, ZooKeeperRenderer.MyIdPath).Content);
                // The rendered ExecStart, with only paths moved and a small heap (three JVMs share this machine).
                var exec = site.File(host.Name, ZooKeeperRenderer.UnitPath).Content.Split('\n').Single(l => l.StartsWith("ExecStart="))["ExecStart=".Length..]
                    .Replace(ZooKeeperRenderer.ConfigDir, conf).Replace(ZooKeeperRenderer.LogDir, logs);
                var args = exec.Split(' ').Select(a => a.StartsWith("-Xm") ? a[..4] + "128m" : a).Where(a => a != "-XX:+AlwaysPreTouch").ToList();
                var start = new ProcessStartInfo(args[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var a in args.Skip(1)) start.ArgumentList.Add(a);
                var p = Process.Start(start)!;
                p.BeginOutputReadLine(); p.BeginErrorReadLine();
                processes.Add(p);
            }
            var modes = new string?[members.Count];
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline && modes.Any(m => m is null or "standalone"))
            {
                for (var i = 0; i < members.Count; i++)
                {
                    processes[i].HasExited.ShouldBeFalse($"{members[i].Name} exited: see {root}");
                    var srvr = FourLetter(ports[i].Client, "srvr");
                    var mode = Regex.Match(srvr, @"Mode: (\w+)");
                    modes[i] = mode.Success ? mode.Groups[1].Value : null;
                }
                if (modes.Any(m => m is null)) Thread.Sleep(200);
            }
            modes.Count(m => m == "leader").ShouldBe(1, string.Join(",", modes));
            modes.Count(m => m == "follower").ShouldBe(members.Count - 1);
            FourLetter(ports[0].Client, "ruok").ShouldBe("imok");
            FourLetter(ports[1].Client, "mntr").ShouldContain("zk_server_state");
            // The logging jars on the rendered classpath really log to the configured folder.
            File.Exists(Path.Combine(root, members[0].Name, "logs", "zookeeper.log")).ShouldBeTrue();
        }
        finally
        {
            foreach (var p in processes)
            {
                try { if (!p.HasExited) { p.Kill(); p.WaitForExit(5000); } } catch (InvalidOperationException) { }
                p.Dispose();
            }
            try { Directory.Delete(root, true); } catch (IOException) { }
        }
    }

    private static string FourLetter(int port, string word)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            using var stream = client.GetStream();
            stream.Write(System.Text.Encoding.ASCII.GetBytes(word));
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Trim();
        }
        catch (Exception e) when (e is SocketException or IOException) { return ""; }
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}

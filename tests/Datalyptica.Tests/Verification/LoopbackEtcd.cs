namespace Datalyptica.Tests.Verification;

/// <summary>A real 3-member etcd cluster on loopback (plain HTTP, metrics on their own listener as rendered), fast timings.</summary>
internal static class LoopbackEtcd
{
    public static List<(int Client, int Peer, int Metrics)> StartCluster(string dir, List<ServerProcess> servers, string token)
    {
        var ports = Enumerable.Range(0, 3).Select(_ => (Client: ServerProcess.FreePort(), Peer: ServerProcess.FreePort(), Metrics: ServerProcess.FreePort())).ToList();
        var cluster = string.Join(',', ports.Select((p, i) => $"e{i + 1}=http://127.0.0.1:{p.Peer}"));
        var started = new List<ServerProcess>();
        for (var i = 0; i < 3; i++)
        {
            var p = ports[i];
            started.Add(ServerProcess.Start($"etcd e{i + 1}", "etcd",
            [
                "--name", $"e{i + 1}", "--data-dir", Path.Combine(dir, $"e{i + 1}"),
                "--listen-client-urls", $"http://127.0.0.1:{p.Client}", "--advertise-client-urls", $"http://127.0.0.1:{p.Client}",
                "--listen-peer-urls", $"http://127.0.0.1:{p.Peer}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{p.Peer}",
                "--listen-metrics-urls", $"http://127.0.0.1:{p.Metrics}",
                "--initial-cluster", cluster, "--initial-cluster-state", "new", "--initial-cluster-token", token,
                "--heartbeat-interval", "50", "--election-timeout", "500",
            ]));
        }
        servers.AddRange(started);
        foreach (var (server, p) in started.Zip(ports)) server.WaitForPort(p.Metrics);
        return ports;
    }
}

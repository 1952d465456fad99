using Datalyptica.Contracts.Health;

namespace Datalyptica.Tests.Verification;

/// <summary>Prometheus and Alertmanager probes against the real Debian binaries on loopback.</summary>
public sealed class MonitoringProbeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dl-verify-mon-").FullName;
    private readonly List<ServerProcess> _servers = [];

    [Fact]
    public async Task Prometheus_is_healthy_ready_with_targets_up_and_a_dead_target_fails_naming_it()
    {
        int port = ServerProcess.FreePort(), dead = ServerProcess.FreePort();
        var cfg = Path.Combine(_dir, "prometheus.yml");
        File.WriteAllText(cfg, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 500ms
              evaluation_interval: 1s
            rule_files: ['{Path.Combine(_dir, "rules.yml")}']
            scrape_configs:
              - job_name: self
                metrics_path: /prometheus/metrics
                static_configs: [{"{"} targets: ["127.0.0.1:{port}"] {"}"}]

            """);
        // The Watchdog heartbeat, as the site renders it: the alerts check is healthy only while it fires.
        File.WriteAllText(Path.Combine(_dir, "rules.yml"), "groups:\n  - name: targets\n    rules:\n      - alert: Watchdog\n        expr: vector(1)\n        labels: {severity: none}\n");
        var server = ServerProcess.Start("prometheus", "prometheus", ["--config.file", cfg, "--storage.tsdb.path", Path.Combine(_dir, "data"),
            "--web.listen-address", $"127.0.0.1:{port}", "--web.enable-lifecycle",
            "--web.external-url", "https://example.test/prometheus/"]).WaitForPort(port); // as rendered: every route under /prometheus
        _servers.Add(server);
        var site = LoopbackSite.Of("vt", [LoopbackSite.Host("p1", ["prometheus"], ("prometheus_port", port))]);
        var healthy = LoopbackSite.VerifyUntil(site, LoopbackSite.Options("prometheus"), r => r.Checks.All(c => c.Status == HealthStatus.Healthy));
        healthy.Check("p1", "targets").Detail.ShouldBe("1/1 targets up");
        healthy.Check("p1", "alerts").Detail.ShouldBe("none firing (Watchdog heartbeat firing)");
        healthy.Check("p1", "ready").Detail.ShouldStartWith($"GET :{port}/prometheus/-/ready → 200");

        // A target nobody serves: reported by job and instance with Prometheus' own error.
        File.AppendAllText(cfg, $"  - job_name: ghost\n    static_configs: [{{ targets: [\"127.0.0.1:{dead}\"] }}]\n");
        using (var reload = new HttpClient()) (await reload.PostAsync($"http://127.0.0.1:{port}/prometheus/-/reload", null)).IsSuccessStatusCode.ShouldBeTrue();
        var failing = LoopbackSite.VerifyUntil(site, LoopbackSite.Options("prometheus"),
            r => r.Check("p1", "targets").Detail.Contains("ghost") && r.Check("p1", "targets").Detail.Contains(" down"));
        failing.Check("p1", "targets").Status.ShouldBe(HealthStatus.Failed);
        failing.Check("p1", "targets").Detail.ShouldStartWith($"1/2 targets up: ghost 127.0.0.1:{dead} down (");
        failing.Check("p1", "targets").Detail.ShouldContain("refused");
    }

    [Fact]
    public void Alertmanager_alone_is_healthy_for_one_peer_and_fails_when_the_site_configures_two()
    {
        int port = ServerProcess.FreePort(), cluster = ServerProcess.FreePort();
        var cfg = Path.Combine(_dir, "alertmanager.yml");
        File.WriteAllText(cfg, "route:\n  receiver: none\nreceivers:\n  - name: none\n");
        _servers.Add(ServerProcess.Start("alertmanager", "prometheus-alertmanager", ["--config.file", cfg, "--storage.path", Path.Combine(_dir, "am"),
            "--web.listen-address", $"127.0.0.1:{port}", "--cluster.listen-address", $"127.0.0.1:{cluster}", "--cluster.settle-timeout", "1s", "--web.external-url", "https://example.test/alertmanager/"]).WaitForPort(port));
        var one = LoopbackSite.Of("vt", [LoopbackSite.Host("a1", ["alertmanager"], ("alertmanager_port", port))]);
        var healthy = LoopbackSite.VerifyUntil(one, LoopbackSite.Options("alertmanager"), r => r.Checks.All(c => c.Status == HealthStatus.Healthy));
        healthy.Check("a1", "cluster peers").Detail.ShouldBe("cluster ready, 1 of 1 peers");

        var two = LoopbackSite.Of("vt", [
            LoopbackSite.Host("a1", ["alertmanager"], ("alertmanager_port", port)),
            LoopbackSite.Host("a2", ["alertmanager"], ("alertmanager_port", ServerProcess.FreePort())),
        ]);
        var report = LoopbackSite.Verify(two, LoopbackSite.Options("alertmanager"));
        report.Check("a1", "cluster peers").Status.ShouldBe(HealthStatus.Failed);
        report.Check("a1", "cluster peers").Detail.ShouldBe("cluster ready, 1 of 2 peers");
        report.Check("a2", "healthy").Detail.ShouldContain("refused");
    }

    public void Dispose()
    {
        foreach (var s in _servers) s.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}

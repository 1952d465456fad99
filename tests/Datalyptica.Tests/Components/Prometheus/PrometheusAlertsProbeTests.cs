using System.Diagnostics;
using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts.Health;
using Datalyptica.Tests.Engine.Transport;

namespace Datalyptica.Tests.Components.Prometheus;

/// <summary>
/// verify's alerts check against a real Prometheus (Debian's, on loopback, served under /prometheus as the site renders
/// it) whose rules fire the Watchdog and a critical alert and hold another pending: the firing one is reported with its
/// severity and host, the pending one is not, and only the Watchdog firing is healthy.
/// </summary>
public sealed class PrometheusAlertsProbeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dl-prometheus-alerts-").FullName;
    private Process? _prometheus;

    [Fact]
    public async Task Firing_alerts_are_reported_with_severity_and_host_and_only_the_heartbeat_is_healthy()
    {
        File.WriteAllText(Path.Combine(_dir, "rules.yml"), """
            groups:
              - name: test
                rules:
                  - alert: Watchdog
                    expr: vector(1)
                    labels: {severity: none}
                  - alert: PatroniNoLeader
                    expr: vector(1)
                    labels: {severity: critical, host: db01}
                  - alert: SlowToFire
                    expr: vector(1)
                    for: 1h
                    labels: {severity: warning, host: db02}
            """);
        File.WriteAllText(Path.Combine(_dir, "prometheus.yml"), $"""
            global: {"{"}evaluation_interval: 1s{"}"}
            rule_files: ['{Path.Combine(_dir, "rules.yml")}']
            """);
        var port = SshdServer.FreeLoopbackPort();
        var start = new ProcessStartInfo("/usr/bin/prometheus") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { $"--config.file={_dir}/prometheus.yml", $"--storage.tsdb.path={_dir}/data", $"--web.listen-address=127.0.0.1:{port}",
                     $"--web.external-url=http://127.0.0.1:{port}{PrometheusRenderer.RoutePrefix}/" })
            start.ArgumentList.Add(a);
        _prometheus = Process.Start(start)!;
        _prometheus.BeginOutputReadLine();
        _prometheus.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        IReadOnlyList<PrometheusHealth.Alert> alerts = [];
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                alerts = PrometheusHealth.ParseAlerts(await http.GetStringAsync($"{PrometheusRenderer.RoutePrefix}/api/v1/alerts"));
                if (alerts.Count(a => a.State == "firing") >= 2 && alerts.Any(a => a.State == "pending")) break;
            }
            catch (HttpRequestException) { }
            await Task.Delay(250);
        }
        alerts.ShouldContain(a => a.Name == "Watchdog" && a.State == "firing");
        alerts.ShouldContain(a => a.Name == "SlowToFire" && a.State == "pending");

        var report = PrometheusHealth.JudgeAlerts(alerts);
        report.Status.ShouldBe(HealthStatus.Warning);
        report.Detail.ShouldBe("1 firing: PatroniNoLeader critical db01");

        var quiet = PrometheusHealth.JudgeAlerts([.. alerts.Where(a => a.Name != "PatroniNoLeader")]);
        quiet.Status.ShouldBe(HealthStatus.Healthy);
        quiet.Detail.ShouldBe("none firing (Watchdog heartbeat firing)");

        var noHeartbeat = PrometheusHealth.JudgeAlerts([.. alerts.Where(a => a.Name != "Watchdog")]);
        noHeartbeat.Status.ShouldBe(HealthStatus.Warning);
        noHeartbeat.Detail.ShouldEndWith("; Watchdog heartbeat not firing");
    }

    public void Dispose()
    {
        if (_prometheus is { HasExited: false }) { _prometheus.Kill(); _prometheus.WaitForExit(); }
        _prometheus?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}

using System.Text.Json;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.Prometheus;

/// <summary>
/// Prometheus: GET /-/healthy and /-/ready, every active scrape target up (/api/v1/targets), and the alerts firing
/// (/api/v1/alerts), under the route prefix its rendered --web.external-url moves every path to (it is served behind
/// HAProxy under /prometheus/).
/// </summary>
public sealed class PrometheusHealth : IHealthProbe
{
    public sealed record Target(string Job, string Instance, string Health, string LastError);

    public static IReadOnlyList<Target> ParseTargets(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray().Select(t => new Target(
            t.GetProperty("labels").TryGetProperty("job", out var j) ? j.GetString() ?? "" : "",
            t.GetProperty("labels").TryGetProperty("instance", out var i) ? i.GetString() ?? "" : "",
            t.GetProperty("health").GetString() ?? "",
            t.TryGetProperty("lastError", out var e) ? e.GetString() ?? "" : "")).ToList();
    }

    public static ProbeOutcome Judge(IReadOnlyList<Target> targets)
    {
        var down = targets.Where(t => t.Health != "up").ToList();
        // "unknown" is a target not scraped yet (just started): not up, so not healthy, but say so.
        var detail = $"{targets.Count - down.Count}/{targets.Count} targets up";
        if (down.Count > 0)
            detail += ": " + string.Join("; ", down.Take(4).Select(t => $"{t.Job} {t.Instance} {t.Health}{(t.LastError.Length > 0 ? $" ({ProbeKit.Tail(t.LastError, 60)})" : "")}")) +
                (down.Count > 4 ? $"; and {down.Count - 4} more" : "");
        return ProbeOutcome.When(down.Count == 0 && targets.Count > 0, targets.Count == 0 ? "no active targets" : detail);
    }

    public sealed record Alert(string Name, string Severity, string State, string Where);

    public static IReadOnlyList<Alert> ParseAlerts(string json)
    {
        using var doc = JsonDocument.Parse(json);
        static string Label(JsonElement labels, string name) => labels.TryGetProperty(name, out var v) ? v.GetString() ?? "" : "";
        return doc.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray().Select(a =>
        {
            var labels = a.GetProperty("labels");
            var where = string.Join(" ", new[] { Label(labels, "host"), Label(labels, "instance"), Label(labels, "proxy"), Label(labels, "certificate") }
                .Where(v => v.Length > 0).Distinct());
            return new Alert(Label(labels, "alertname"), Label(labels, "severity"), a.GetProperty("state").GetString() ?? "", where);
        }).ToList();
    }

    /// <summary>
    /// Verify reports what fires; it does not judge the cluster by it (the other checks do). Healthy when only the
    /// Watchdog heartbeat fires; a warning, shown with each alert's name, severity and where, when anything else fires
    /// or when the Watchdog does not (yet: it fires at the first rule evaluation after a start).
    /// </summary>
    public static ProbeOutcome JudgeAlerts(IReadOnlyList<Alert> alerts)
    {
        var firing = alerts.Where(a => a.State == "firing").ToList();
        var others = firing.Where(a => a.Name != "Watchdog")
            .OrderBy(a => a.Severity == AlertRule.Critical ? 0 : 1).ThenBy(a => a.Name, StringComparer.Ordinal).ToList();
        var heartbeat = firing.Any(a => a.Name == "Watchdog");
        if (others.Count == 0)
            return heartbeat ? ProbeOutcome.Ok("none firing (Watchdog heartbeat firing)")
                : new ProbeOutcome(HealthStatus.Warning, "the Watchdog heartbeat is not firing: rules not loaded, or not evaluated yet");
        var shown = string.Join("; ", others.Take(6).Select(a => $"{a.Name} {a.Severity}{(a.Where.Length > 0 ? $" {a.Where}" : "")}"));
        return new ProbeOutcome(HealthStatus.Warning,
            $"{others.Count} firing: {shown}{(others.Count > 6 ? $"; and {others.Count - 6} more" : "")}{(heartbeat ? "" : "; Watchdog heartbeat not firing")}");
    }

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation) =>
        await ProbeKit.PerHostAsync(context, context.Hosts, host =>
        [
            ProbeKit.Http200Async(context, host, "healthy", PrometheusComponent.Http, PrometheusRenderer.RoutePrefix + "/-/healthy", cancellation),
            ProbeKit.Http200Async(context, host, "ready", PrometheusComponent.Http, PrometheusRenderer.RoutePrefix + "/-/ready", cancellation),
            context.CheckAsync(host, "targets", async (access, ct) =>
            {
                var answer = await ProbeClients.GetAsync(await ProbeKit.EndpointAsync(access, host, PrometheusComponent.Http, ct), PrometheusRenderer.RoutePrefix + "/api/v1/targets?state=active", ct);
                return answer.Status == 200 ? Judge(ParseTargets(answer.Body)) : ProbeOutcome.Fail($"GET /api/v1/targets → {answer.Status}");
            }, cancellation),
            context.CheckAsync(host, "alerts", async (access, ct) =>
            {
                var answer = await ProbeClients.GetAsync(await ProbeKit.EndpointAsync(access, host, PrometheusComponent.Http, ct), PrometheusRenderer.RoutePrefix + "/api/v1/alerts", ct);
                return answer.Status == 200 ? JudgeAlerts(ParseAlerts(answer.Body)) : ProbeOutcome.Fail($"GET /api/v1/alerts → {answer.Status}");
            }, cancellation),
        ]);
}

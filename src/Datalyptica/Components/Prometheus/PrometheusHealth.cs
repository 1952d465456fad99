using System.Text.Json;
using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.Prometheus;

/// <summary>
/// Prometheus: GET /-/healthy and /-/ready, and every active scrape target up (/api/v1/targets), under the route prefix its
/// rendered --web.external-url moves every path to (it is served behind HAProxy under /prometheus/).
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
        ]);
}

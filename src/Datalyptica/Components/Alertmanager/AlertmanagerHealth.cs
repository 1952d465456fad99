using System.Text.Json;
using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.Alertmanager;

/// <summary>Alertmanager: GET /-/healthy, and /api/v2/status shows the gossip cluster ready with every configured peer (under the rendered /alertmanager prefix).</summary>
public sealed class AlertmanagerHealth : IHealthProbe
{
    public sealed record ClusterView(string Status, int Peers);

    public static ClusterView ParseStatus(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var cluster = doc.RootElement.GetProperty("cluster");
        return new ClusterView(cluster.TryGetProperty("status", out var s) ? s.GetString() ?? "" : "",
            cluster.TryGetProperty("peers", out var p) && p.ValueKind == JsonValueKind.Array ? p.GetArrayLength() : 0);
    }

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation)
    {
        var configured = context.Members(AlertmanagerComponent.Server).Count;
        return await ProbeKit.PerHostAsync(context, context.Hosts, host =>
        [
            ProbeKit.Http200Async(context, host, "healthy", AlertmanagerComponent.Http, AlertmanagerRenderer.RoutePrefix + "/-/healthy", cancellation),
            context.CheckAsync(host, "cluster peers", async (access, ct) =>
            {
                var answer = await ProbeClients.GetAsync(await ProbeKit.EndpointAsync(access, host, AlertmanagerComponent.Http, ct), AlertmanagerRenderer.RoutePrefix + "/api/v2/status", ct);
                if (answer.Status != 200) return ProbeOutcome.Fail($"GET /api/v2/status → {answer.Status}");
                var view = ParseStatus(answer.Body);
                // A single configured peer runs with clustering off ("disabled"): that is its normal state.
                var ok = configured == 1 ? view.Status is "disabled" or "ready" : view.Status == "ready" && view.Peers == configured;
                return ProbeOutcome.When(ok, $"cluster {view.Status}, {view.Peers} of {configured} peers");
            }, cancellation),
        ]);
    }
}

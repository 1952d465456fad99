using System.Text.Json;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.Trino;

/// <summary>
/// Trino: GET /v1/info on every node answers {"starting": false, "coordinator": true|false, ...} once the node has started
/// (Trino REST API; the same check HAProxy makes and Trino Gateway uses). A node must also be the kind the site places there.
/// </summary>
public sealed class TrinoHealth : IHealthProbe
{
    public const string InfoPath = "/v1/info";

    public static ProbeOutcome Judge(int status, string body, bool coordinator) =>
        status != 200 ? ProbeOutcome.Fail(ProbeKit.Short(body)) : ProbeKit.Json(body, root =>
        {
            if (!root.TryGetProperty("starting", out var starting) || starting.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                return ProbeOutcome.Fail($"no starting flag: {ProbeKit.Short(body)}");
            var isCoordinator = root.TryGetProperty("coordinator", out var c) && c.ValueKind == JsonValueKind.True;
            var version = root.TryGetProperty("nodeVersion", out var v) ? ProbeKit.Text(v, "version") ?? "?" : "?";
            if (starting.GetBoolean()) return ProbeOutcome.Fail("still starting");
            return ProbeOutcome.When(isCoordinator == coordinator,
                $"{(isCoordinator ? "coordinator" : "worker")} started, Trino {version}{(isCoordinator == coordinator ? "" : $"; the site places a {(coordinator ? "coordinator" : "worker")} here")}");
        });

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation) =>
        await ProbeKit.PerHostAsync(context, context.Hosts, host =>
        {
            var coordinator = host.Has(TrinoComponent.Coordinator);
            return [ProbeKit.HttpAsync(context, host, "info", TrinoComponent.Http, InfoPath, (status, body) => Judge(status, body, coordinator), cancellation)];
        });
}

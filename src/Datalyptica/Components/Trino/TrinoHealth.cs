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

    /// <summary>
    /// The body of a started node, as HAProxy checks it (a regex): /v1/info serialises io.trino.server.ServerInfo with
    /// Jackson, so the flag reads <c>"starting":false</c>.
    /// </summary>
    public const string StartedPattern = "\"starting\":\\s*false";

    /// <summary>
    /// /v1/info of a started coordinator as Trino answers it (io.trino.server.ServerInfo: nodeVersion, environment,
    /// coordinator, starting, uptime), for the tests that hold <see cref="StartedPattern"/> and <see cref="Judge"/> to it.
    /// </summary>
    public const string StartedInfoExample =
        "{\"nodeVersion\":{\"version\":\"469\"},\"environment\":\"production\",\"coordinator\":true,\"starting\":false,\"uptime\":\"1.00m\"}";

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

using System.Text.Json;

namespace Datalyptica.Contracts.Health;

/// <summary>
/// The MicroProfile Health answer Quarkus servers (Nessie, Keycloak) give: {"status":"UP"|"DOWN","checks":[{"name","status"}]},
/// 200 when UP and 503 when DOWN (SmallRye Health guide, quarkus.io/guides/smallrye-health).
/// </summary>
public static class MicroProfileHealth
{
    public static ProbeOutcome Judge(int status, string body) => ProbeKit.Json(body, root =>
    {
        var overall = ProbeKit.Text(root, "status");
        var down = root.TryGetProperty("checks", out var checks) && checks.ValueKind == JsonValueKind.Array
            ? checks.EnumerateArray().Where(c => ProbeKit.Text(c, "status") != "UP").Select(c => ProbeKit.Text(c, "name") ?? "?").ToList()
            : [];
        var detail = $"status {overall ?? "missing"}" + (down.Count > 0 ? $"; down: {string.Join(", ", down)}" : "");
        return ProbeOutcome.When(status == 200 && overall == "UP" && down.Count == 0, detail);
    });
}

using System.Text.Json;
using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.SchemaRegistry;

/// <summary>
/// Schema Registry: GET /subjects answers 200 with a JSON array of subject names (Schema Registry API reference,
/// "GET /subjects"); it needs the registry's Kafka store to be readable, so it proves more than a listening port.
/// </summary>
public sealed class SchemaRegistryHealth : IHealthProbe
{
    public const string Path = "/subjects";

    public static ProbeOutcome Judge(int status, string body) =>
        status != 200 ? ProbeOutcome.Fail(ProbeKit.Short(body)) : ProbeKit.Json(body, root =>
            root.ValueKind == JsonValueKind.Array ? ProbeOutcome.Ok($"{root.GetArrayLength()} subjects") : ProbeOutcome.Fail($"not a list of subjects: {ProbeKit.Short(body)}"));

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation) =>
        await ProbeKit.PerHostAsync(context, context.Hosts, host =>
            [ProbeKit.HttpAsync(context, host, "subjects", SchemaRegistryComponent.Http, Path, Judge, cancellation)]);
}

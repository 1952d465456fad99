using System.Buffers.Binary;
using System.Text;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.Kafka;

/// <summary>
/// Kafka: every broker and KRaft controller answers an ApiVersions request on its own listener (the request every client
/// sends first, answered before any authentication). Wire format per the Kafka protocol guide
/// (https://kafka.apache.org/protocol#The_Messages_ApiVersions): request header v1 (api_key 18, api_version 0,
/// correlation_id, client_id) with an empty v0 body; response header v0 (correlation_id), then error_code INT16 and
/// [api_key INT16, min_version INT16, max_version INT16].
/// </summary>
public sealed class KafkaHealth : IHealthProbe
{
    public const short ApiVersionsKey = 18;
    private const string ClientId = "datalyptica-verify";

    public static byte[] ApiVersionsRequest(int correlationId)
    {
        var client = Encoding.UTF8.GetBytes(ClientId);
        var frame = new byte[4 + 2 + 2 + 4 + 2 + client.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, frame.Length - 4);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(4), ApiVersionsKey);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(6), 0);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(8), correlationId);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(12), (short)client.Length);
        client.CopyTo(frame, 14);
        return frame;
    }

    /// <summary>What an ApiVersions v0 response frame (without its size prefix) says.</summary>
    public sealed record ApiVersions(int CorrelationId, short ErrorCode, IReadOnlyList<(short Key, short Min, short Max)> Apis);

    /// <summary>Null when the frame is not an ApiVersions v0 response (too short, or the lengths do not add up).</summary>
    public static ApiVersions? Parse(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 10) return null;
        var correlation = BinaryPrimitives.ReadInt32BigEndian(frame);
        var error = BinaryPrimitives.ReadInt16BigEndian(frame[4..]);
        var count = BinaryPrimitives.ReadInt32BigEndian(frame[6..]);
        if (count < 0 || frame.Length != 10 + count * 6) return null;
        var apis = new List<(short, short, short)>(count);
        for (var i = 0; i < count; i++)
        {
            var entry = frame[(10 + i * 6)..];
            apis.Add((BinaryPrimitives.ReadInt16BigEndian(entry), BinaryPrimitives.ReadInt16BigEndian(entry[2..]), BinaryPrimitives.ReadInt16BigEndian(entry[4..])));
        }
        return new ApiVersions(correlation, error, apis);
    }

    public static ProbeOutcome Judge(byte[] frame, int correlationId)
    {
        var answer = Parse(frame);
        if (answer is null) return ProbeOutcome.Fail($"not a Kafka ApiVersions response ({frame.Length} bytes)");
        if (answer.CorrelationId != correlationId) return ProbeOutcome.Fail($"answer to another request (correlation id {answer.CorrelationId}, sent {correlationId})");
        if (answer.ErrorCode != 0) return ProbeOutcome.Fail($"ApiVersions error code {answer.ErrorCode}");
        return ProbeOutcome.When(answer.Apis.Any(a => a.Key == ApiVersionsKey), $"ApiVersions answered: {answer.Apis.Count} APIs");
    }

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation)
    {
        var checks = (await ProbeKit.PerHostAsync(context, context.Hosts, host => new[]
        {
            (Role: KafkaComponent.Broker, Port: KafkaComponent.BrokerPort, Check: "broker api"),
            (Role: KafkaComponent.Controller, Port: KafkaComponent.ControllerPort, Check: "controller api"),
        }.Where(r => host.Has(r.Role)).Select(r => context.CheckAsync(host, r.Check, async (access, ct) =>
        {
            var correlation = Random.Shared.Next(1, int.MaxValue);
            var frame = await ProbeClients.KafkaAsync(await ProbeKit.EndpointAsync(access, host, r.Port, ct), ApiVersionsRequest(correlation), ct);
            return Judge(frame, correlation);
        }, cancellation)))).ToList();
        if (!context.ClusterChecks) return checks;

        // The whole cluster, asked of one broker (any broker answers for all): a rolling restart's gate before the next
        // broker, so no partition loses its last in-sync copy (restart and verify share it).
        HealthCheck? replicated = null;
        foreach (var broker in context.Members(KafkaComponent.Broker))
        {
            replicated = await context.TimedAsync(HealthCheck.ClusterScope, "under-replicated partitions", async ct =>
            {
                var access = await context.AccessAsync(broker, ct);
                var correlation = Random.Shared.Next(1, int.MaxValue);
                var frame = await ProbeClients.KafkaAsync(await ProbeKit.EndpointAsync(access, broker, KafkaComponent.BrokerPort, ct),
                    KafkaPartitions.MetadataRequest(correlation), ct, "a Kafka Metadata request");
                return KafkaPartitions.Judge(frame, correlation);
            }, cancellation);
            if (replicated.Status != HealthStatus.Failed) break;
        }
        if (replicated is not null) checks.Add(replicated);
        return checks;
    }
}

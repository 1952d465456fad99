using System.Buffers.Binary;
using System.Text;
using Datalyptica.Components.Kafka;
using Datalyptica.Contracts.Health;

namespace Datalyptica.Tests.Components.Kafka;

/// <summary>
/// The Metadata v4 request and response (Kafka protocol guide, Metadata API) that verify and restart's gate read
/// under-replicated partitions from. No Kafka runs here: responses are written field by field as the guide lays them out.
/// </summary>
public class KafkaPartitionsTests
{
    private sealed class Frame
    {
        private readonly List<byte> _bytes = [];
        public Frame Int8(byte v) { _bytes.Add(v); return this; }
        public Frame Int16(short v) { var b = new byte[2]; BinaryPrimitives.WriteInt16BigEndian(b, v); _bytes.AddRange(b); return this; }
        public Frame Int32(int v) { var b = new byte[4]; BinaryPrimitives.WriteInt32BigEndian(b, v); _bytes.AddRange(b); return this; }
        public Frame Str(string? s) => s is null ? Int16(-1) : Int16((short)Encoding.UTF8.GetByteCount(s)).Raw(Encoding.UTF8.GetBytes(s));
        public Frame Ints(params int[] values) { Int32(values.Length); foreach (var v in values) Int32(v); return this; }
        public Frame Raw(byte[] b) { _bytes.AddRange(b); return this; }
        public byte[] Bytes => [.. _bytes];
    }

    /// <summary>A response: 3 brokers, cluster id, controller, and the topics' partitions as (topic, index, replicas, isr).</summary>
    private static byte[] Response(int correlation, params (string Topic, int Index, int[] Replicas, int[] Isr)[] partitions)
    {
        var f = new Frame().Int32(correlation).Int32(0).Int32(3);
        foreach (var id in new[] { 1, 2, 3 }) f.Int32(id).Str($"10.0.0.{id}").Int32(9092).Str(id == 2 ? null : "rack1");
        f.Str("MkU3OEVBNTcwNTJENDM2Qg").Int32(9991);
        var topics = partitions.GroupBy(p => p.Topic).ToList();
        f.Int32(topics.Count);
        foreach (var topic in topics)
        {
            f.Int16(0).Str(topic.Key).Int8(0).Int32(topic.Count());
            foreach (var p in topic) f.Int16(0).Int32(p.Index).Int32(p.Isr.FirstOrDefault(-1)).Ints(p.Replicas).Ints(p.Isr);
        }
        return f.Bytes;
    }

    [Fact]
    public void The_request_is_Metadata_v4_for_every_topic_without_creating_any()
    {
        var request = KafkaPartitions.MetadataRequest(42);
        BinaryPrimitives.ReadInt32BigEndian(request).ShouldBe(request.Length - 4);
        BinaryPrimitives.ReadInt16BigEndian(request.AsSpan(4)).ShouldBe((short)3);
        BinaryPrimitives.ReadInt16BigEndian(request.AsSpan(6)).ShouldBe((short)4);
        BinaryPrimitives.ReadInt32BigEndian(request.AsSpan(8)).ShouldBe(42);
        var clientLength = BinaryPrimitives.ReadInt16BigEndian(request.AsSpan(12));
        Encoding.UTF8.GetString(request, 14, clientLength).ShouldBe("datalyptica-verify");
        BinaryPrimitives.ReadInt32BigEndian(request.AsSpan(14 + clientLength)).ShouldBe(-1, "null topics: all of them");
        request[^1].ShouldBe((byte)0, "allow_auto_topic_creation false");
        request.Length.ShouldBe(14 + clientLength + 5);
    }

    [Fact]
    public void Partitions_with_fewer_in_sync_replicas_than_replicas_are_named()
    {
        var frame = Response(7, ("orders", 0, [1, 2, 3], [1, 2, 3]), ("orders", 1, [2, 3, 1], [2, 3]), ("__consumer_offsets", 0, [3, 1, 2], [3, 1, 2]));
        var parsed = KafkaPartitions.Parse(frame).ShouldNotBeNull();
        parsed.CorrelationId.ShouldBe(7);
        parsed.Partitions.Count.ShouldBe(3);
        var outcome = KafkaPartitions.Judge(frame, 7);
        outcome.Status.ShouldBe(HealthStatus.Failed);
        outcome.Detail.ShouldBe("1 of 3 partitions under-replicated: orders-1 (in sync 2,3 of 2,3,1)");
    }

    [Fact]
    public void A_fully_replicated_cluster_is_healthy_and_a_cluster_without_topics_too()
    {
        KafkaPartitions.Judge(Response(9, ("orders", 0, [1, 2, 3], [3, 1, 2])), 9).Status.ShouldBe(HealthStatus.Healthy);
        var empty = KafkaPartitions.Judge(Response(9), 9);
        empty.Status.ShouldBe(HealthStatus.Healthy);
        empty.Detail.ShouldBe("0 of 0 partitions under-replicated");
    }

    [Fact]
    public void Truncated_padded_or_foreign_frames_are_not_read_as_an_answer()
    {
        var frame = Response(5, ("orders", 0, [1, 2, 3], [1, 2, 3]));
        KafkaPartitions.Parse(frame[..^1]).ShouldBeNull("one byte short");
        KafkaPartitions.Parse([.. frame, 0]).ShouldBeNull("one byte too many");
        KafkaPartitions.Parse(new byte[3]).ShouldBeNull();
        KafkaPartitions.Judge(frame, 6).Status.ShouldBe(HealthStatus.Failed, "the answer to another request");
        // An ApiVersions answer is not a Metadata answer.
        KafkaPartitions.Judge(new Frame().Int32(5).Int16(0).Int32(1).Int16(18).Int16(0).Int16(3).Bytes, 5).Status.ShouldBe(HealthStatus.Failed);
    }
}

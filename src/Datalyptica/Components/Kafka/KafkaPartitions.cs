using System.Buffers.Binary;
using System.Text;
using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.Kafka;

/// <summary>
/// Under-replicated partitions, from one Metadata request to a broker (Kafka protocol guide,
/// https://kafka.apache.org/protocol#The_Messages_Metadata: api_key 3). Version 4: the oldest Kafka 4.0 still serves
/// (KIP-896) and not yet a flexible version, so plain int16/int32-prefixed fields. Request: header v1, then topics = null
/// (every topic) and allow_auto_topic_creation = false. Response: header v0 (correlation_id), throttle_time_ms, brokers
/// [node_id, host, port, rack?], cluster_id?, controller_id, topics [error_code, name, is_internal, partitions
/// [error_code, partition_index, leader_id, replica_nodes [int32], isr_nodes [int32]]]. A partition whose in-sync
/// replicas are fewer than its replicas is under-replicated: restarting another broker then could take its last copy.
/// </summary>
public static class KafkaPartitions
{
    public const short MetadataKey = 3;
    public const short MetadataVersion = 4;
    private const string ClientId = "datalyptica-verify";

    public sealed record Partition(string Topic, int Index, int Leader, IReadOnlyList<int> Replicas, IReadOnlyList<int> Isr)
    {
        public bool UnderReplicated => Isr.Count < Replicas.Count;
        public override string ToString() => $"{Topic}-{Index} (in sync {string.Join(',', Isr)} of {string.Join(',', Replicas)})";
    }

    public static byte[] MetadataRequest(int correlationId)
    {
        var client = Encoding.UTF8.GetBytes(ClientId);
        var frame = new byte[4 + 2 + 2 + 4 + 2 + client.Length + 4 + 1];
        BinaryPrimitives.WriteInt32BigEndian(frame, frame.Length - 4);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(4), MetadataKey);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(6), MetadataVersion);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(8), correlationId);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(12), (short)client.Length);
        client.CopyTo(frame, 14);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(14 + client.Length), -1); // topics: null, every topic
        frame[^1] = 0; // allow_auto_topic_creation: false
        return frame;
    }

    /// <summary>The partitions a Metadata v4 response (without its size prefix) lists; null when it is not one.</summary>
    public static (int CorrelationId, IReadOnlyList<Partition> Partitions)? Parse(ReadOnlySpan<byte> frame)
    {
        var reader = new Reader(frame);
        try
        {
            var correlation = reader.Int32();
            reader.Int32(); // throttle_time_ms
            for (var brokers = reader.Count(); brokers > 0; brokers--)
            {
                reader.Int32();
                reader.String();
                reader.Int32();
                reader.String(); // rack, nullable
            }
            reader.String(); // cluster_id, nullable
            reader.Int32(); // controller_id
            var partitions = new List<Partition>();
            for (var topics = reader.Count(); topics > 0; topics--)
            {
                reader.Int16(); // error_code
                var name = reader.String() ?? "";
                reader.Byte(); // is_internal
                for (var count = reader.Count(); count > 0; count--)
                {
                    reader.Int16();
                    var index = reader.Int32();
                    var leader = reader.Int32();
                    partitions.Add(new Partition(name, index, leader, reader.Int32s(), reader.Int32s()));
                }
            }
            return reader.AtEnd ? (correlation, partitions) : null;
        }
        catch (InvalidDataException) { return null; }
    }

    public static ProbeOutcome Judge(byte[] frame, int correlationId)
    {
        if (Parse(frame) is not { } answer) return ProbeOutcome.Fail($"not a Kafka Metadata v{MetadataVersion} response ({frame.Length} bytes)");
        if (answer.CorrelationId != correlationId) return ProbeOutcome.Fail($"answer to another request (correlation id {answer.CorrelationId}, sent {correlationId})");
        var under = answer.Partitions.Where(p => p.UnderReplicated).ToList();
        return ProbeOutcome.When(under.Count == 0, under.Count == 0
            ? $"0 of {answer.Partitions.Count} partitions under-replicated"
            : $"{under.Count} of {answer.Partitions.Count} partitions under-replicated: {string.Join(", ", under.Take(5))}{(under.Count > 5 ? ", ..." : "")}");
    }

    /// <summary>Big-endian reads that throw <see cref="InvalidDataException"/> past the end (a frame that does not add up).</summary>
    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _at;

        public readonly bool AtEnd => _at == _data.Length;

        private ReadOnlySpan<byte> Take(int length)
        {
            if (length < 0 || _at + length > _data.Length) throw new InvalidDataException("truncated");
            var slice = _data.Slice(_at, length);
            _at += length;
            return slice;
        }

        public byte Byte() => Take(1)[0];
        public short Int16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));
        public int Int32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

        /// <summary>An array's length; a null array (-1) counts as empty.</summary>
        public int Count()
        {
            var count = Int32();
            if (count < -1 || count > _data.Length) throw new InvalidDataException("bad array length");
            return Math.Max(0, count);
        }

        public string? String()
        {
            var length = Int16();
            return length == -1 ? null : Encoding.UTF8.GetString(Take(length));
        }

        public IReadOnlyList<int> Int32s()
        {
            var values = new int[Count()];
            for (var i = 0; i < values.Length; i++) values[i] = Int32();
            return values;
        }
    }
}

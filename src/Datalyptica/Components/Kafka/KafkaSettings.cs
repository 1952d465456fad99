using Datalyptica.Contracts;

namespace Datalyptica.Components.Kafka;

/// <summary>Kafka's inventory variables (Kafka broker configuration reference).</summary>
public static partial class KafkaSettings
{
    public static readonly IntSetting ReplicationFactor = new("kafka_replication_factor", 3, 1, 16,
        "default.replication.factor and the internal topics' factor (capped at the broker count)");
    public static readonly IntSetting MinInsyncReplicas = new("kafka_min_insync_replicas", 2, 1, 16,
        "min.insync.replicas: replicas that must have a write before acks=all succeeds");
    /// <summary>A KRaft cluster id is a UUID in URL-safe base64 without padding: 22 characters (kafka-storage.sh random-uuid).</summary>
    public static readonly TextSetting ClusterId = new("kafka_cluster_id", null, "KRaft cluster id; `datalyptica init` writes one")
        { Pattern = ClusterIdPattern, PatternDescription = "a 22-character base64url id (kafka-storage.sh random-uuid)", StrictString = true, Example = "MkU3OEVBNTcwNTJENDM2Qg" };
    public static readonly IntSetting NumPartitions = new("kafka_num_partitions", 1, 1, 10000, "num.partitions of auto-created topics");
    public static readonly IntSetting HeapGb = new("kafka_heap_gb", null, 1, 64, "broker heap", "GB")
        { Scope = SettingScope.Host, DefaultDescription = "a quarter of the broker's share of RAM, 1-6 GB" };
    public static readonly TextSetting Rack = new("kafka_rack", null, "broker.rack")
        { Scope = SettingScope.Host, Pattern = SettingPatterns.Token, PatternDescription = SettingPatterns.TokenText, DefaultDescription = "the host's datalyptica_rack", Example = "rack2" };

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_-]{22}$")]
    private static partial System.Text.RegularExpressions.Regex ClusterIdPattern { get; }

    public static readonly IReadOnlyList<SettingSpec> All = [ReplicationFactor, MinInsyncReplicas, ClusterId, NumPartitions, HeapGb, Rack];
}

using Datalyptica.Contracts;

namespace Datalyptica.Components.Kafka;

/// <summary>
/// Kafka's upstream releases (kafka.apache.org/downloads): the Scala 2.13 binary from the ASF archive, which keeps
/// every release (downloads.apache.org drops superseded ones), and its .sha512, written by <c>gpg --print-md SHA512</c>.
/// </summary>
public static class KafkaRelease
{
    public static readonly ArtifactRelease V3_9_0 = new("kafka", "3.9.0",
        "https://archive.apache.org/dist/kafka/3.9.0/kafka_2.13-3.9.0.tgz",
        new("https://archive.apache.org/dist/kafka/3.9.0/kafka_2.13-3.9.0.tgz.sha512", ChecksumAlgorithm.Sha512, ChecksumFormat.GpgPrintMd))
    {
        TopFolder = "kafka_2.13-3.9.0",
        EntryPrograms = ["bin/kafka-server-start.sh", "bin/kafka-storage.sh"],
        ApproximateMb = 120,
    };

    public static readonly IReadOnlyList<ArtifactRelease> All = [V3_9_0];
}

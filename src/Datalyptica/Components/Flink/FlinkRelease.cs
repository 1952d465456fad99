using Datalyptica.Contracts;

namespace Datalyptica.Components.Flink;

/// <summary>Flink's binary release (flink.apache.org/downloads) from the ASF archive, with its .sha512 (sha512sum format).</summary>
public static class FlinkRelease
{
    public static readonly ArtifactRelease V1_20_0 = new("flink", "1.20.0",
        "https://archive.apache.org/dist/flink/flink-1.20.0/flink-1.20.0-bin-scala_2.12.tgz",
        new("https://archive.apache.org/dist/flink/flink-1.20.0/flink-1.20.0-bin-scala_2.12.tgz.sha512", ChecksumAlgorithm.Sha512, ChecksumFormat.Sums))
    {
        TopFolder = "flink-1.20.0",
        EntryPrograms = ["bin/jobmanager.sh", "bin/taskmanager.sh"],
        ApproximateMb = 470,
    };

    public static readonly IReadOnlyList<ArtifactRelease> All = [V1_20_0];
}

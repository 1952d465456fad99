using Datalyptica.Contracts;

namespace Datalyptica.Components.Spark;

/// <summary>Spark's "pre-built for Hadoop 3" release (spark.apache.org/downloads.html) from the ASF archive, with its .sha512.</summary>
public static class SparkRelease
{
    public static readonly ArtifactRelease V3_5_4 = new("spark", "3.5.4",
        "https://archive.apache.org/dist/spark/spark-3.5.4/spark-3.5.4-bin-hadoop3.tgz",
        new("https://archive.apache.org/dist/spark/spark-3.5.4/spark-3.5.4-bin-hadoop3.tgz.sha512", ChecksumAlgorithm.Sha512, ChecksumFormat.Sums))
    {
        TopFolder = "spark-3.5.4-bin-hadoop3",
        EntryPrograms = ["bin/spark-class"],
        ApproximateMb = 400,
    };

    public static readonly IReadOnlyList<ArtifactRelease> All = [V3_5_4];
}

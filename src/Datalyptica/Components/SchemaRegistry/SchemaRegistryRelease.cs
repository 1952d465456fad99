using Datalyptica.Contracts;

namespace Datalyptica.Components.SchemaRegistry;

/// <summary>
/// Schema Registry ships in Confluent Community's archive (docs.confluent.io/platform/7.8/installation/installing_cp/zip-tar.html),
/// from packages.confluent.io with the .sha256 published beside it.
/// </summary>
public static class SchemaRegistryRelease
{
    public static readonly ArtifactRelease V7_8_0 = new("schema_registry", "7.8.0",
        "https://packages.confluent.io/archive/7.8/confluent-community-7.8.0.tar.gz",
        new("https://packages.confluent.io/archive/7.8/confluent-community-7.8.0.tar.gz.sha256", ChecksumAlgorithm.Sha256, ChecksumFormat.Sums))
    {
        TopFolder = "confluent-7.8.0",
        EntryPrograms = ["bin/schema-registry-start"],
        ApproximateMb = 420,
    };

    public static readonly IReadOnlyList<ArtifactRelease> All = [V7_8_0];
}

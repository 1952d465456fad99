using Datalyptica.Contracts;

namespace Datalyptica.Components.Nessie;

/// <summary>
/// Nessie's standalone server jar from its GitHub release (projectnessie.org/downloads). The GitHub release publishes no
/// checksum file, so the checksum is the .sha1 Maven Central holds for the same runner jar
/// (org.projectnessie.nessie:nessie-quarkus, classifier runner); a jar that is not byte for byte that one is refused.
/// </summary>
public static class NessieRelease
{
    public static readonly ArtifactRelease V0_98_2 = new("nessie", "0.98.2",
        "https://github.com/projectnessie/nessie/releases/download/nessie-0.98.2/nessie-quarkus-0.98.2-runner.jar",
        new("https://repo1.maven.org/maven2/org/projectnessie/nessie/nessie-quarkus/0.98.2/nessie-quarkus-0.98.2-runner.jar.sha1",
            ChecksumAlgorithm.Sha1, ChecksumFormat.Bare))
    {
        Format = ArchiveFormat.File,
        InstallAs = "nessie-quarkus-0.98.2-runner.jar",
        EntryPrograms = ["nessie-quarkus-0.98.2-runner.jar"],
        ApproximateMb = 110,
    };

    public static readonly IReadOnlyList<ArtifactRelease> All = [V0_98_2];
}

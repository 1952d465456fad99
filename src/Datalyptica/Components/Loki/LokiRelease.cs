using Datalyptica.Contracts;

namespace Datalyptica.Components.Loki;

/// <summary>
/// Loki's binary from its GitHub release (grafana.com/docs/loki/latest/setup/install/local): a zip holding one
/// program, listed with every other file of the release in the release's SHA256SUMS. The program goes to
/// <c>bin/loki</c>, where the unit starts it.
/// </summary>
public static class LokiRelease
{
    public static readonly ArtifactRelease V3_3_2 = new("loki", "3.3.2",
        "https://github.com/grafana/loki/releases/download/v3.3.2/loki-linux-amd64.zip",
        new("https://github.com/grafana/loki/releases/download/v3.3.2/SHA256SUMS", ChecksumAlgorithm.Sha256, ChecksumFormat.Sums))
    {
        Format = ArchiveFormat.Zip,
        ZipMember = "loki-linux-amd64",
        InstallAs = "bin/loki",
        EntryPrograms = ["bin/loki"],
        ApproximateMb = 35,
    };

    public static readonly IReadOnlyList<ArtifactRelease> All = [V3_3_2];
}

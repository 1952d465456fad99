using Datalyptica.Contracts;

namespace Datalyptica.Components.Alloy;

/// <summary>
/// Alloy's binary from its GitHub release (grafana.com/docs/alloy/latest/set-up/install/binary): a zip holding one
/// program, listed with every other file of the release in the release's SHA256SUMS. grafana/alloy v1.5.1 tools/release
/// zips each binary on its own (<c>zip -j</c>: no folder) and writes SHA256SUMS over the whole dist folder;
/// tools/make/packaging.mk builds <c>alloy-linux-amd64</c> with the journal reader (promtail_journal_enabled). The program
/// goes to <c>bin/alloy</c>, where the unit starts it.
/// </summary>
public static class AlloyRelease
{
    public static readonly ArtifactRelease V1_5_1 = new("alloy", "1.5.1",
        "https://github.com/grafana/alloy/releases/download/v1.5.1/alloy-linux-amd64.zip",
        new("https://github.com/grafana/alloy/releases/download/v1.5.1/SHA256SUMS", ChecksumAlgorithm.Sha256, ChecksumFormat.Sums))
    {
        Format = ArchiveFormat.Zip,
        ZipMember = "alloy-linux-amd64",
        InstallAs = "bin/alloy",
        EntryPrograms = ["bin/alloy"],
        ApproximateMb = 100,
    };

    public static readonly IReadOnlyList<ArtifactRelease> All = [V1_5_1];
}

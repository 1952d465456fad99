using System.IO.Compression;
using System.Security.Cryptography;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Health;
using Datalyptica.Engine.Artifacts;
using Datalyptica.Engine.Repository;

namespace Datalyptica.Tests.Engine.Artifacts;

/// <summary>
/// The store knows a stand-in (the lab's release-faithful stand-in: the real release layout, one generic stand-in program,
/// and an entry named DATALYPTICA-STAND-IN): import marks it, a marker removed by hand does not make it pass as the
/// release, verify reads the archives again and restores the marker, and repo build never packs one.
/// </summary>
public sealed class StandInArtifactTests : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "dl-standin-" + Guid.NewGuid().ToString("N")[..12]);
    private string Upstream => Path.Combine(_work, "upstream");
    private SiteArtifactStore Store => new(Path.Combine(_work, "site", "artifacts"));

    public StandInArtifactTests() => Directory.CreateDirectory(Upstream);
    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static ArtifactRelease Kafka => new("kafka", "3.9.0", "https://archive.apache.org/dist/kafka/3.9.0/kafka_2.13-3.9.0.tgz",
        new("https://archive.apache.org/dist/kafka/3.9.0/kafka_2.13-3.9.0.tgz.sha512", ChecksumAlgorithm.Sha512, ChecksumFormat.GpgPrintMd)) { TopFolder = "kafka_2.13-3.9.0" };

    private byte[] Publish(ArtifactRelease release, byte[] content)
    {
        File.WriteAllBytes(Path.Combine(Upstream, release.FileName), content);
        File.WriteAllText(Path.Combine(Upstream, release.ChecksumFileName), ArtifactTestKit.ChecksumFile(content, release.FileName, release.Checksum));
        return content;
    }

    private static byte[] StandInTarGz(string top) => ArtifactTestKit.TarGz(top, StandInSignature.ArchiveEntry);

    private static byte[] Zip(params string[] entries)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var name in entries)
            {
                using var writer = new StreamWriter(zip.CreateEntry(name).Open());
                writer.Write("x");
            }
        return output.ToArray();
    }

    private string Write(string name, byte[] content)
    {
        var path = Path.Combine(_work, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    [Fact]
    public void An_archive_is_a_stand_in_when_it_holds_the_entry_anywhere_read_by_its_bytes_not_its_name()
    {
        StandInArchive.Contains(Write("kafka.tgz", StandInTarGz("kafka_2.13-3.9.0"))).ShouldBeTrue();
        StandInArchive.Contains(Write("deep.tgz", ArtifactTestKit.TarGz("trino-server-469", "lib/deep/" + StandInSignature.ArchiveEntry))).ShouldBeTrue();
        StandInArchive.Contains(Write("real.tgz", ArtifactTestKit.TarGz("kafka_2.13-3.9.0", "bin/kafka-server-start.sh"))).ShouldBeFalse();
        // Loki's zip, Nessie's runner jar (a zip), a wheelhouse with the entry at its root.
        StandInArchive.Contains(Write("loki.zip", Zip("loki-linux-amd64", StandInSignature.ArchiveEntry))).ShouldBeTrue();
        StandInArchive.Contains(Write("nessie-runner.jar", Zip("META-INF/MANIFEST.MF", "META-INF/" + StandInSignature.ArchiveEntry))).ShouldBeTrue();
        StandInArchive.Contains(Write("real.jar", Zip("META-INF/MANIFEST.MF", "io/Main.class"))).ShouldBeFalse();
        StandInArchive.Contains(Write("wheelhouse.tar.gz", ArtifactTestKit.TarGz("wheelhouse", StandInSignature.ArchiveEntry))).ShouldBeTrue();
        // Only that exact name: a file that merely mentions it, or a bare program, is not a stand-in.
        StandInArchive.Contains(Write("near.zip", Zip("DATALYPTICA-STAND-IN.txt", "NOT-DATALYPTICA-STAND-IN"))).ShouldBeFalse();
        StandInArchive.Contains(Write("program", "DATALYPTICA-STAND-IN kafka 3.9.0\n"u8.ToArray())).ShouldBeFalse();
    }

    [Fact]
    public async Task Import_marks_a_stand_in_and_a_marker_removed_by_hand_does_not_make_it_pass_as_the_release()
    {
        Publish(Kafka, StandInTarGz(Kafka.TopFolder));
        (await Store.ImportAsync(Kafka, Upstream, CancellationToken.None)).ShouldBeTrue();
        Store.IsStandIn(Kafka).ShouldBeTrue();
        var marker = Store.StandInMarkerOf(Kafka);
        File.ReadAllText(marker).ShouldContain("stand-in: kafka/3.9.0/kafka_2.13-3.9.0.tgz holds DATALYPTICA-STAND-IN");
        File.ReadAllText(marker).ShouldContain("artifacts fetch");

        File.Delete(marker);
        Store.IsStandIn(Kafka).ShouldBeTrue(); // .stand-ins still lists its pin

        // verify reads the archive again: the marker is back, and it says so.
        var verified = await Store.VerifyAsync(CancellationToken.None);
        verified.ShouldBe([new VerifiedFile("kafka/3.9.0/kafka_2.13-3.9.0.tgz", StoredState.Verified, StandIn: true, MarkerRestored: true)]);
        File.Exists(marker).ShouldBeTrue();
        (await Store.VerifyAsync(CancellationToken.None)).Single().MarkerRestored.ShouldBeFalse();

        // Both removed by hand: verify still finds it by its bytes.
        File.Delete(marker);
        File.Delete(Path.Combine(Store.Directory, SiteArtifactStore.StandInsFile));
        Store.IsStandIn(Kafka).ShouldBeFalse();
        (await Store.VerifyAsync(CancellationToken.None)).Single().ShouldBe(new VerifiedFile("kafka/3.9.0/kafka_2.13-3.9.0.tgz", StoredState.Verified, true, true));
        Store.IsStandIn(Kafka).ShouldBeTrue();

        // The real release imported over it: no longer a stand-in, marker and line gone.
        Publish(Kafka, ArtifactTestKit.TarGz(Kafka.TopFolder, "bin/kafka-server-start.sh"));
        (await Store.ImportAsync(Kafka, Upstream, CancellationToken.None)).ShouldBeTrue();
        Store.IsStandIn(Kafka).ShouldBeFalse();
        File.Exists(marker).ShouldBeFalse();
        File.ReadAllText(Path.Combine(Store.Directory, SiteArtifactStore.StandInsFile)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_real_release_gets_no_marker()
    {
        Publish(Kafka, ArtifactTestKit.TarGz(Kafka.TopFolder, "bin/kafka-server-start.sh"));
        (await Store.ImportAsync(Kafka, Upstream, CancellationToken.None)).ShouldBeTrue();
        Store.IsStandIn(Kafka).ShouldBeFalse();
        File.Exists(Store.StandInMarkerOf(Kafka)).ShouldBeFalse();
        File.Exists(Path.Combine(Store.Directory, SiteArtifactStore.StandInsFile)).ShouldBeFalse();
        (await Store.VerifyAsync(CancellationToken.None)).Single().StandIn.ShouldBeFalse();
    }

    [Fact]
    public async Task Repo_build_never_packs_a_stand_in()
    {
        var repo = Path.Combine(_work, "repo");
        var content = StandInTarGz("kafka_2.13-3.9.0");
        var file = Write("kafka_2.13-3.9.0.tgz", content);
        var source = new ArtifactSource("kafka", "3.9.0", Convert.ToHexStringLower(SHA512.HashData(content)), file);
        var e = await Should.ThrowAsync<RepositoryBuildException>(() => ArtifactStore.SyncAsync(repo, [source], null, CancellationToken.None));
        e.Message.ShouldContain("is a stand-in");
        e.Message.ShouldContain("nothing was added");
        if (Directory.Exists(repo)) Directory.GetFiles(repo, "*.tgz", SearchOption.AllDirectories).ShouldBeEmpty();
    }
}

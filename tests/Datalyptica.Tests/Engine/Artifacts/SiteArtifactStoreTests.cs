using System.Net;
using Datalyptica.Contracts;
using Datalyptica.Engine.Artifacts;
using Datalyptica.Engine.Repository;

namespace Datalyptica.Tests.Engine.Artifacts;

/// <summary>
/// The site's artifact store against an upstream on loopback (our own HTTP server serving a built tar.gz and the checksum
/// file in upstream's own format): what matches is stored and pinned, what does not is refused and leaves nothing.
/// </summary>
public sealed class SiteArtifactStoreTests : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "dl-site-artifacts-" + Guid.NewGuid().ToString("N")[..12]);
    private string Upstream => Path.Combine(_work, "upstream");
    private SiteArtifactStore Store => new(Path.Combine(_work, "site", "artifacts"));
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public SiteArtifactStoreTests() => Directory.CreateDirectory(Upstream);
    public void Dispose() => Directory.Delete(_work, recursive: true);

    /// <summary>A Kafka-like release on <paramref name="baseUrl"/>: .sha512 in gpg --print-md format, as Kafka publishes it.</summary>
    private static ArtifactRelease Release(string baseUrl, ChecksumAlgorithm algorithm = ChecksumAlgorithm.Sha512, ChecksumFormat format = ChecksumFormat.GpgPrintMd,
        string file = "kafka_2.13-3.9.0.tgz", string? checksumName = null) =>
        new("kafka", "3.9.0", baseUrl + file, new(baseUrl + (checksumName ?? file + ".sha512"), algorithm, format)) { TopFolder = "kafka_2.13-3.9.0" };

    private byte[] Publish(ArtifactRelease release, byte[]? checksumOf = null, bool withChecksum = true)
    {
        var content = ArtifactTestKit.TarGz(release.TopFolder, "bin/kafka-server-start.sh");
        File.WriteAllBytes(Path.Combine(Upstream, release.FileName), content);
        if (withChecksum)
            File.WriteAllText(Path.Combine(Upstream, release.ChecksumFileName), ArtifactTestKit.ChecksumFile(checksumOf ?? content, release.FileName, release.Checksum));
        return content;
    }

    [Theory]
    [InlineData(ChecksumAlgorithm.Sha512, ChecksumFormat.GpgPrintMd, "kafka_2.13-3.9.0.tgz.sha512")]   // Kafka
    [InlineData(ChecksumAlgorithm.Sha512, ChecksumFormat.Sums, "kafka_2.13-3.9.0.tgz.sha512")]         // Flink, Spark, ClickHouse
    [InlineData(ChecksumAlgorithm.Sha1, ChecksumFormat.Bare, "kafka_2.13-3.9.0.tgz.sha1")]             // Maven Central (Trino), Keycloak
    [InlineData(ChecksumAlgorithm.Sha256, ChecksumFormat.Sums, "SHA256SUMS")]                          // Loki, Temurin
    public async Task Fetch_stores_and_pins_a_release_that_matches_upstreams_checksum_file(ChecksumAlgorithm algorithm, ChecksumFormat format, string checksumName)
    {
        await using var server = RepositoryServer.Start(Upstream, new IPEndPoint(IPAddress.Loopback, 0));
        var release = Release(server.BaseUrl, algorithm, format, checksumName: checksumName);
        var content = Publish(release);
        var reports = new List<(long, long?)>();

        (await Store.FetchAsync(release, Http, (done, total) => reports.Add((done, total)), CancellationToken.None)).ShouldBeTrue();

        File.ReadAllBytes(Store.PathOf(release)).ShouldBe(content);
        Store.Pinned(release).ShouldBe(ArtifactTestKit.Hex(content, ChecksumAlgorithm.Sha512));
        Store.State(release).ShouldBe(StoredState.Verified);
        reports.ShouldNotBeEmpty();
        reports[^1].ShouldBe((content.LongLength, content.LongLength));
        // Upstream's checksum file is kept beside it; SHA512SUMS is what sha512sum -c reads.
        File.Exists(Store.ChecksumPathOf(release)).ShouldBeTrue();
        File.ReadAllText(Path.Combine(Store.Directory, SiteArtifactStore.PinsFile)).ShouldBe($"{Store.Pinned(release)}  kafka/3.9.0/kafka_2.13-3.9.0.tgz\n");
        Directory.GetFiles(Path.GetDirectoryName(Store.PathOf(release))!, ".*partial").ShouldBeEmpty();

        // Again: nothing downloaded but the checksum file.
        (await Store.FetchAsync(release, Http, null, CancellationToken.None)).ShouldBeFalse();
    }

    [Fact]
    public async Task Fetch_refuses_a_release_whose_checksum_does_not_match_and_stores_nothing()
    {
        await using var server = RepositoryServer.Start(Upstream, new IPEndPoint(IPAddress.Loopback, 0));
        var release = Release(server.BaseUrl);
        Publish(release, checksumOf: [1, 2, 3]);

        var e = await Should.ThrowAsync<ArtifactRefusedException>(() => Store.FetchAsync(release, Http, null, CancellationToken.None));
        e.Message.ShouldContain("kafka 3.9.0");
        e.Message.ShouldContain("it was not stored");
        e.Message.ShouldContain("Fix:");
        File.Exists(Store.PathOf(release)).ShouldBeFalse();
        Store.Pinned(release).ShouldBeNull();
        Store.State(release).ShouldBe(StoredState.Missing);
        Directory.EnumerateFiles(Store.Directory, "*", SearchOption.AllDirectories).ShouldBeEmpty();
    }

    [Fact]
    public async Task Fetch_refuses_a_release_whose_checksum_file_upstream_does_not_serve()
    {
        await using var server = RepositoryServer.Start(Upstream, new IPEndPoint(IPAddress.Loopback, 0));
        var release = Release(server.BaseUrl);
        Publish(release, withChecksum: false);

        var e = await Should.ThrowAsync<ArtifactRefusedException>(() => Store.FetchAsync(release, Http, null, CancellationToken.None));
        e.Message.ShouldContain(release.Checksum.Url);
        e.Message.ShouldContain("404");
        e.Message.ShouldContain("nothing is stored without upstream's checksum");
        File.Exists(Store.PathOf(release)).ShouldBeFalse();
    }

    [Fact]
    public async Task Fetch_refuses_a_checksum_file_that_does_not_name_the_release()
    {
        await using var server = RepositoryServer.Start(Upstream, new IPEndPoint(IPAddress.Loopback, 0));
        var release = Release(server.BaseUrl, ChecksumAlgorithm.Sha256, ChecksumFormat.Sums, checksumName: "SHA256SUMS");
        Publish(release);
        File.WriteAllText(Path.Combine(Upstream, "SHA256SUMS"), $"{new string('a', 64)}  some-other-file.zip\n");

        var e = await Should.ThrowAsync<ChecksumFileException>(() => Store.FetchAsync(release, Http, null, CancellationToken.None));
        e.Message.ShouldContain("no SHA-256 for kafka_2.13-3.9.0.tgz");
        File.Exists(Store.PathOf(release)).ShouldBeFalse();
    }

    [Fact]
    public async Task Import_takes_a_file_with_its_checksum_file_beside_it()
    {
        var release = Release("https://archive.apache.org/dist/kafka/3.9.0/");
        var content = Publish(release);

        (await Store.ImportAsync(release, Upstream, CancellationToken.None)).ShouldBeTrue();
        File.ReadAllBytes(Store.PathOf(release)).ShouldBe(content);
        Store.State(release).ShouldBe(StoredState.Verified);

        // Another site's store is laid out ARTIFACT/VERSION/FILE: it imports too.
        var other = new SiteArtifactStore(Path.Combine(_work, "other", "artifacts"));
        (await other.ImportAsync(release, Store.Directory, CancellationToken.None)).ShouldBeTrue();
        other.Pinned(release).ShouldBe(Store.Pinned(release));
    }

    [Fact]
    public async Task Import_refuses_a_file_without_its_checksum_file_or_with_a_wrong_one_naming_what_is_missing()
    {
        var release = Release("https://archive.apache.org/dist/kafka/3.9.0/");
        Publish(release, withChecksum: false);
        var missing = await Should.ThrowAsync<ArtifactRefusedException>(() => Store.ImportAsync(release, Upstream, CancellationToken.None));
        missing.Message.ShouldContain(Path.Combine(Upstream, "kafka_2.13-3.9.0.tgz.sha512") + " is missing");
        missing.Message.ShouldContain("Fix: download it from https://archive.apache.org/dist/kafka/3.9.0/kafka_2.13-3.9.0.tgz.sha512");

        Publish(release, checksumOf: [9, 9, 9]);
        var wrong = await Should.ThrowAsync<ArtifactRefusedException>(() => Store.ImportAsync(release, Upstream, CancellationToken.None));
        wrong.Message.ShouldContain("it was not stored");
        Store.State(release).ShouldBe(StoredState.Missing);
        File.Exists(Store.PathOf(release)).ShouldBeFalse();

        // Not in the folder at all: nothing to import, nothing refused.
        (await Store.ImportAsync(release with { Url = "https://archive.apache.org/dist/kafka/3.9.0/absent.tgz" }, Upstream, CancellationToken.None)).ShouldBeFalse();
    }

    [Fact]
    public async Task Verify_finds_a_changed_byte_and_a_missing_file()
    {
        var release = Release("https://archive.apache.org/dist/kafka/3.9.0/");
        Publish(release);
        await Store.ImportAsync(release, Upstream, CancellationToken.None);
        (await Store.VerifyAsync(CancellationToken.None)).ShouldBe([new VerifiedFile("kafka/3.9.0/kafka_2.13-3.9.0.tgz", StoredState.Verified)]);

        var path = Store.PathOf(release);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        Store.State(release).ShouldBe(StoredState.Stored); // size and time changed: no longer known verified
        (await Store.VerifyAsync(CancellationToken.None)).ShouldBe([new VerifiedFile("kafka/3.9.0/kafka_2.13-3.9.0.tgz", StoredState.Changed)]);

        File.Delete(path);
        (await Store.VerifyAsync(CancellationToken.None)).ShouldBe([new VerifiedFile("kafka/3.9.0/kafka_2.13-3.9.0.tgz", StoredState.Missing)]);
        Store.State(release).ShouldBe(StoredState.Missing);
    }

    [Fact]
    public void Checksum_files_are_read_strictly_in_their_declared_format()
    {
        var content = new byte[] { 1, 2, 3 };
        var sha512 = ArtifactTestKit.Hex(content, ChecksumAlgorithm.Sha512);
        var gpg = new ArtifactChecksum("https://x/kafka.tgz.sha512", ChecksumAlgorithm.Sha512, ChecksumFormat.GpgPrintMd);
        ChecksumFile.Parse(ArtifactTestKit.ChecksumFile(content, "kafka.tgz", gpg), gpg, "kafka.tgz", "f").ShouldBe(sha512);
        // A gpg file for another file, or a sha512sum line read as gpg, is refused.
        Should.Throw<ChecksumFileException>(() => ChecksumFile.Parse(ArtifactTestKit.ChecksumFile(content, "other.tgz", gpg), gpg, "kafka.tgz", "f"));
        Should.Throw<ChecksumFileException>(() => ChecksumFile.Parse($"{sha512}  kafka.tgz\n", gpg, "kafka.tgz", "f"));

        var sums = gpg with { Format = ChecksumFormat.Sums };
        ChecksumFile.Parse($"{sha512} *kafka.tgz\n", sums, "kafka.tgz", "f").ShouldBe(sha512);
        ChecksumFile.Parse($"{sha512.ToUpperInvariant()}\n", sums, "kafka.tgz", "f").ShouldBe(sha512);
        Should.Throw<ChecksumFileException>(() => ChecksumFile.Parse($"{sha512}  other.tgz\n", sums, "kafka.tgz", "f"));

        var sha1 = new ArtifactChecksum("https://x/trino.tar.gz.sha1", ChecksumAlgorithm.Sha1, ChecksumFormat.Bare);
        var hex1 = ArtifactTestKit.Hex(content, ChecksumAlgorithm.Sha1);
        ChecksumFile.Parse(hex1, sha1, "trino.tar.gz", "f").ShouldBe(hex1);
        // The right format but the wrong length: a SHA-256 where SHA-1 is declared.
        Should.Throw<ChecksumFileException>(() => ChecksumFile.Parse(ArtifactTestKit.Hex(content, ChecksumAlgorithm.Sha256), sha1, "trino.tar.gz", "f"))
            .Message.ShouldContain("is not a SHA-1 (40 hex digits)");
    }
}

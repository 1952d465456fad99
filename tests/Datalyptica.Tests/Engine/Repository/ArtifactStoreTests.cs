using System.Net;
using System.Security.Cryptography;
using Datalyptica.Engine.Repository;

namespace Datalyptica.Tests.Engine.Repository;

/// <summary>Artifacts copied from a folder and downloaded over HTTP (our own server on loopback), verified by SHA-512.</summary>
public sealed class ArtifactStoreTests : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "dl-artifacts-" + Guid.NewGuid().ToString("N")[..12]);
    private string Repo => Path.Combine(_work, "repo");
    private string Upstream => Path.Combine(_work, "upstream");

    public ArtifactStoreTests()
    {
        Directory.CreateDirectory(Repo);
        Directory.CreateDirectory(Upstream);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private (string Path, string Sha512) Upload(string name, int size)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        var path = Path.Combine(Upstream, name);
        File.WriteAllBytes(path, bytes);
        return (path, Convert.ToHexStringLower(SHA512.HashData(bytes)));
    }

    [Fact]
    public async Task Files_and_urls_are_held_per_component_and_version_with_a_sha512sums_and_not_fetched_twice()
    {
        var (kafkaPath, kafkaSha) = Upload("kafka_2.13-3.9.0.tgz", 200_000);
        var (trinoPath, trinoSha) = Upload("trino-server-470.tar.gz", 300_000);
        await using var server = RepositoryServer.Start(Upstream, new IPEndPoint(IPAddress.Loopback, 0));
        var list = Path.Combine(_work, "artifacts.txt");
        File.WriteAllText(list,
            "# component version sha512 location\n" +
            $"kafka 3.9.0 {kafkaSha} upstream/{Path.GetFileName(kafkaPath)}\n" +
            $"trino 470 {trinoSha.ToUpperInvariant()} {server.BaseUrl}{Path.GetFileName(trinoPath)}  # over HTTP\n");
        var sources = ArtifactStore.ReadList(list);

        var (held, fetched) = await ArtifactStore.SyncAsync(Repo, sources, null, CancellationToken.None);
        fetched.Count.ShouldBe(2);
        held.Select(a => $"{a.Component}/{a.Version}/{a.File}").ShouldBe(["kafka/3.9.0/kafka_2.13-3.9.0.tgz", "trino/470/trino-server-470.tar.gz"]);
        File.ReadAllText(Path.Combine(Repo, "artifacts/kafka/3.9.0/SHA512SUMS")).ShouldBe($"{kafkaSha}  kafka_2.13-3.9.0.tgz\n");
        // sha512sum itself accepts the file we wrote.
        var check = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sha512sum", ["-c", "--strict", "SHA512SUMS"])
            { WorkingDirectory = Path.Combine(Repo, "artifacts/trino/470"), RedirectStandardOutput = true })!;
        await check.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        check.ExitCode.ShouldBe(0);

        var (_, again) = await ArtifactStore.SyncAsync(Repo, sources, null, CancellationToken.None);
        again.ShouldBeEmpty();

        // The repository's own artifacts/ folder is a valid source for another repository.
        var copy = Path.Combine(_work, "copy");
        var (copied, _) = await ArtifactStore.SyncAsync(copy, ArtifactStore.ReadFolder(Path.Combine(Repo, "artifacts")), null, CancellationToken.None);
        copied.Select(a => a.Sha512).ShouldBe(held.Select(a => a.Sha512));
    }

    [Fact]
    public async Task A_wrong_checksum_stops_before_anything_is_added()
    {
        var (goodPath, goodSha) = Upload("good-1.0.tgz", 1000);
        var (badPath, _) = Upload("bad-1.0.tgz", 1000);
        var wrong = new string('a', 128);
        var sources = new[]
        {
            new ArtifactSource("good", "1.0", goodSha, goodPath),
            new ArtifactSource("bad", "1.0", wrong, badPath),
        };
        var e = await Should.ThrowAsync<RepositoryBuildException>(() => ArtifactStore.SyncAsync(Repo, sources, null, CancellationToken.None));
        e.Message.ShouldContain("artifact bad 1.0");
        e.Message.ShouldContain("nothing was added");
        e.Message.ShouldContain("Fix:");
        Directory.EnumerateFiles(Repo, "*", SearchOption.AllDirectories).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("../etc 1.0")]
    [InlineData("kafka ../../x")]
    [InlineData("kafka 1.0 short")]
    public void Unsafe_or_malformed_lines_name_the_line(string prefix)
    {
        var list = Path.Combine(_work, "bad.txt");
        var parts = prefix.Split(' ');
        var line = parts.Length == 3 ? $"{prefix} file.tgz" : $"{prefix} {new string('a', 128)} file.tgz";
        File.WriteAllText(list, "\n" + line + "\n");
        Should.Throw<RepositoryBuildException>(() => ArtifactStore.ReadList(list)).Message.ShouldContain($"{list}:2");
    }
}

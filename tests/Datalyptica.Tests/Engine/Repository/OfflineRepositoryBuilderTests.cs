using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Datalyptica.Engine.Repository;
using Datalyptica.Pki;
using Datalyptica.Tests.Cli;

namespace Datalyptica.Tests.Engine.Repository;

/// <summary>
/// Builds one small repository (nftables + jq, ~5 MB with every dependency a bare host needs) with the real apt
/// and dpkg-scanpackages, fetching from Debian's mirror configured on this machine, once for the class.
/// </summary>
public sealed class SmallRepositoryFixture : IAsyncLifetime
{
    public static readonly string[] Packages = ["nftables", "jq"];

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "dl-repo-" + Guid.NewGuid().ToString("N")[..12]);
    public string MachineAptStateBefore { get; private set; } = "";
    public string MachineAptStateAfter { get; private set; } = "";
    public RepositoryBuildResult First { get; private set; } = null!;
    public RepositoryBuildResult Second { get; private set; } = null!;
    public List<string> Progress { get; } = [];

    public async Task InitializeAsync()
    {
        MachineAptStateBefore = MachineAptState.Fingerprint();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var request = new RepositoryBuildRequest(Directory, Packages);
        First = await OfflineRepositoryBuilder.BuildAsync(request, Progress.Add, timeout.Token);
        Second = await OfflineRepositoryBuilder.BuildAsync(request, Progress.Add, timeout.Token);
        MachineAptStateAfter = MachineAptState.Fingerprint();
    }

    public Task DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>This machine's own apt and dpkg state: names, sizes and times of lists and cached debs, and the dpkg status bytes.</summary>
internal static class MachineAptState
{
    public static string Fingerprint()
    {
        var sb = new StringBuilder();
        foreach (var dir in new[] { "/var/lib/apt/lists", "/var/cache/apt/archives" })
            if (Directory.Exists(dir))
                foreach (var f in Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    var info = new FileInfo(f);
                    sb.Append(f).Append(' ').Append(info.Exists ? info.Length : -1).Append(' ').Append(File.GetLastWriteTimeUtc(f).Ticks).Append('\n');
                }
        sb.Append("status ").Append(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes("/var/lib/dpkg/status")))).Append('\n');
        return sb.ToString();
    }
}

public sealed class OfflineRepositoryBuilderTests(SmallRepositoryFixture repo) : IClassFixture<SmallRepositoryFixture>
{
    private string PoolFiles() => string.Join(" ", Directory.EnumerateFiles(Path.Combine(repo.Directory, "pool")).Select(Path.GetFileName));

    [Fact]
    public void The_pool_holds_the_packages_and_the_dependencies_a_bare_host_lacks()
    {
        var names = repo.First.Manifest.Packages.Select(p => p.Name).ToHashSet();
        // libnftables1 and libjq1 are what a bare Debian 12 lacks; libc6 is there on a host but this machine's
        // own installed set must not be subtracted, so it is in the pool too (the empty dpkg status).
        foreach (var expected in new[] { "nftables", "libnftables1", "libnftnl11", "jq", "libjq1", "libonig5", "libc6" })
            names.ShouldContain(expected, PoolFiles());
        foreach (var p in repo.First.Manifest.Packages)
        {
            var path = Path.Combine(repo.Directory, p.File);
            File.Exists(path).ShouldBeTrue(p.File);
            new FileInfo(path).Length.ShouldBe(p.Size);
            Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))).ShouldBe(p.Sha256);
        }
        // Only debs in the pool: apt's lock and partial/ are cleaned away.
        Directory.EnumerateFileSystemEntries(Path.Combine(repo.Directory, "pool")).ShouldAllBe(f => f.EndsWith(".deb"));
        repo.First.Manifest.TotalBytes.ShouldBeLessThan(15_000_000, "the test set should stay small");
        repo.First.Downloaded.Count.ShouldBe(repo.First.Manifest.Packages.Count);
    }

    [Fact]
    public void The_index_names_every_deb_and_the_release_file_hashes_the_index()
    {
        var packages = File.ReadAllText(Path.Combine(repo.Directory, RepositoryLayout.Packages));
        foreach (var p in repo.First.Manifest.Packages) packages.ShouldContain($"Filename: ./{p.File}\n".Replace("./", ""));
        var gz = File.ReadAllBytes(Path.Combine(repo.Directory, RepositoryLayout.PackagesGz));
        using (var unzip = new System.IO.Compression.GZipStream(new MemoryStream(gz), System.IO.Compression.CompressionMode.Decompress))
        using (var reader = new StreamReader(unzip)) reader.ReadToEnd().ShouldBe(packages);
        var release = File.ReadAllText(Path.Combine(repo.Directory, RepositoryLayout.Release));
        release.ShouldContain($" {Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(packages)))} ");
        release.ShouldContain($" {Convert.ToHexStringLower(SHA256.HashData(gz))} ");
        release.ShouldNotContain("Suite:");
    }

    [Fact]
    public void This_machines_apt_state_is_untouched()
    {
        repo.MachineAptStateAfter.ShouldBe(repo.MachineAptStateBefore,
            "the build must use only its private lists, cache and dpkg status (another apt run on this machine at the same time would also show here)");
        File.ReadAllText(Path.Combine(repo.Directory, RepositoryLayout.AptState, "status")).ShouldBeEmpty();
    }

    [Fact]
    public void The_second_build_downloads_nothing_and_says_so()
    {
        repo.Second.NothingChanged.ShouldBeTrue();
        repo.Second.Downloaded.ShouldBeEmpty();
        repo.Second.Removed.ShouldBeEmpty();
        repo.Second.Reindexed.ShouldBeFalse();
        repo.Second.Manifest.ToJson().ShouldBe(repo.First.Manifest.ToJson());
        File.ReadAllText(Path.Combine(repo.Directory, RepositoryLayout.Manifest)).ShouldBe(repo.First.Manifest.ToJson());
        repo.Progress.ShouldContain(l => l.Contains("0 to download"));
    }

    private static readonly RepositorySigningKey SiteKey = RepositorySigningKey.Create("datalyptica test offline repository", DateTime.UtcNow);

    /// <summary>The repository served as apply serves it: Release signed with <paramref name="key"/> at <paramref name="signedAt"/>.</summary>
    private RepositoryServer Serve(ConcurrentQueue<string> log, RepositorySigningKey key, DateTime signedAt,
        Func<IReadOnlyDictionary<string, byte[]?>, IReadOnlyDictionary<string, byte[]?>>? tamper = null)
    {
        var generated = ServedRelease.Sign(repo.Directory, key, signedAt);
        return RepositoryServer.Start(repo.Directory, new IPEndPoint(IPAddress.Loopback, 0), log.Enqueue, tamper is null ? generated : tamper(generated));
    }

    [Fact]
    public async Task Apt_with_the_hosts_transient_source_installs_from_the_signed_served_repository_and_nothing_else()
    {
        var log = new ConcurrentQueue<string>();
        await using var server = Serve(log, SiteKey, DateTime.UtcNow);
        using var client = new PrivateAptClient(AptSource.OfflineRepository(server.Endpoint, SiteKey.PublicKeyArmored));

        var update = await client.RunAsync("update");
        update.ExitCode.ShouldBe(0, update.Output);
        update.Output.ShouldNotContain("W:");
        var install = await client.RunAsync("install", "--download-only", "-y", "nftables");
        install.ExitCode.ShouldBe(0, install.Output);

        var fetched = Directory.EnumerateFiles(client.Archives, "*.deb").Select(Path.GetFileName).Order().ToList();
        fetched.ShouldContain(f => f!.StartsWith("nftables_"));
        fetched.ShouldContain(f => f!.StartsWith("libnftables1_"));
        fetched.ShouldNotContain(f => f!.StartsWith("jq_"));
        // Every download came from our server: each deb apt holds was answered 200 in the server's log ...
        var served = log.Select(l => System.Text.RegularExpressions.Regex.Match(l, "\"GET /pool/(\\S+)\" 200 "))
            .Where(m => m.Success).Select(m => Uri.UnescapeDataString(m.Groups[1].Value)).ToHashSet();
        foreach (var deb in fetched) served.ShouldContain(deb!, string.Join('\n', log));
        // ... and apt talked to no other place.
        foreach (var line in (update.Output + install.Output).Split('\n').Where(l => l.StartsWith("Get:") || l.StartsWith("Hit:") || l.StartsWith("Ign:")))
            line.ShouldContain(server.BaseUrl.TrimEnd('/'));
        // apt read the signed Release: InRelease is refused, Release and its signature are served from memory.
        log.ShouldContain(l => l.Contains("\"GET /./InRelease\" 404"));
        log.ShouldContain(l => l.Contains("\"GET /./Release\" 200"));
        log.ShouldContain(l => l.Contains("\"GET /./Release.gpg\" 200"));

        // The transient source is gone after the install's cleanup, as on a host.
        client.Cleanup();
        Directory.Exists(client.TransientDirectory).ShouldBeFalse();
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "another site's key", "NO_PUBKEY" },
        { "a Release changed after signing", "BADSIG" },
        { "no signature", "is not signed" },
        { "a signature past its Valid-Until", "is expired" },
        { "a Date in the future", "not valid yet" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Apt_refuses_the_served_repository_when(string fault, string aptSays)
    {
        var now = DateTime.UtcNow;
        var (key, signedAt) = fault switch
        {
            "another site's key" => (RepositorySigningKey.Create("another site", now), now),
            "a signature past its Valid-Until" => (SiteKey, now - ServedRelease.Lifetime - TimeSpan.FromHours(1)),
            "a Date in the future" => (SiteKey, now + ServedRelease.Backdate + TimeSpan.FromHours(2)),
            _ => (SiteKey, now),
        };
        Func<IReadOnlyDictionary<string, byte[]?>, IReadOnlyDictionary<string, byte[]?>>? tamper = fault switch
        {
            "a Release changed after signing" => g => new Dictionary<string, byte[]?>(g)
                { [RepositoryLayout.Release] = [.. g[RepositoryLayout.Release]!, .. Encoding.UTF8.GetBytes("Suite: stable\n")] },
            "no signature" => g => new Dictionary<string, byte[]?>(g) { [ServedRelease.Signature] = null },
            _ => null,
        };
        var log = new ConcurrentQueue<string>();
        await using var server = Serve(log, key, signedAt, tamper);
        using var client = new PrivateAptClient(AptSource.OfflineRepository(server.Endpoint, SiteKey.PublicKeyArmored));

        var update = await client.RunAsync("update");
        update.Output.ShouldContain(aptSays, Case.Sensitive, update.Output);
        // apt keeps no index from a Release it refused, so nothing can be installed from it.
        var install = await client.RunAsync("install", "--download-only", "-y", "nftables");
        install.ExitCode.ShouldNotBe(0, install.Output);
        Directory.EnumerateFiles(client.Archives, "*.deb").ShouldBeEmpty();
    }

    [Fact]
    public async Task The_cli_reports_an_unchanged_rebuild_in_json()
    {
        var result = await Task.Run(() => CliRunner.Run("repo", "build", "--packages-only", "--package", "nftables", "--package", "jq",
            "--out", repo.Directory, "--output", "json"));
        result.ShouldSucceed();
        var json = result.Json();
        json.GetProperty("nothingChanged").GetBoolean().ShouldBeTrue(result.ToString());
        json.GetProperty("downloaded").GetArrayLength().ShouldBe(0);
        json.GetProperty("packageCount").GetInt32().ShouldBe(repo.First.Manifest.Packages.Count);
    }

    [Fact]
    public Task An_unknown_package_names_itself_and_the_fix() => InScratchRepositoryAsync("bad", async dir =>
    {
        var e = await Should.ThrowAsync<RepositoryBuildException>(() =>
            OfflineRepositoryBuilder.BuildAsync(new RepositoryBuildRequest(dir, ["nftables", "no-such-package-dl"])));
        e.Message.ShouldContain("no-such-package-dl");
        e.Message.ShouldContain("Fix:");
    });

    /// <summary>A scratch repository folder that starts with the fixture's private lists, so it needs no new index download.</summary>
    private async Task InScratchRepositoryAsync(string name, Func<string, Task> test)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"dl-repo-{name}-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            System.IO.Directory.CreateDirectory(dir);
            CopyDirectory(Path.Combine(repo.Directory, RepositoryLayout.AptState), Path.Combine(dir, RepositoryLayout.AptState));
            await test(dir);
        }
        finally { System.IO.Directory.Delete(dir, recursive: true); }
    }

    /// <summary>
    /// A pinned version (NAME=VERSION, from datalyptica_package_versions or `--package`) is held next to the newest: apt
    /// on a host can then install either (the upgrade's from and to). libpq5 is small and Debian 12 serves two builds of it
    /// (the point release's and the security update's); the versions are whatever this machine's own apt lists.
    /// </summary>
    [Fact]
    public Task A_pinned_older_version_is_held_next_to_the_newest_and_both_are_indexed() => InScratchRepositoryAsync("pin", async dir =>
    {
        await OfflineRepositoryBuilder.BuildAsync(new RepositoryBuildRequest(dir, ["libpq5"]));
        var versions = await OfflineRepositoryBuilder.AvailableVersionsAsync(dir, "libpq5");
        var madison = Rendering.Tool.Run("apt-cache", ["madison", "libpq5"]).Stdout.Split('\n')
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries)).Where(p => p.Length == 3).Select(p => p[1]).Distinct().ToList();
        versions.Order(StringComparer.Ordinal).ShouldBe(madison.Order(StringComparer.Ordinal), "the private lists see what this machine's sources serve");
        versions.ShouldBe(versions.OrderByDescending(v => v, DebianVersion.Comparer).ToList(), "newest first");

        var result = await OfflineRepositoryBuilder.BuildAsync(new RepositoryBuildRequest(dir, ["libpq5", $"libpq5={versions[^1]}"]));
        result.Manifest.Packages.Where(p => p.Name == "libpq5").Select(p => p.Version).Order(DebianVersion.Comparer)
            .ShouldBe(versions.Distinct().Order(DebianVersion.Comparer));
        var index = File.ReadAllText(Path.Combine(dir, RepositoryLayout.Packages));
        var stanzas = index.Split("\n\n").Where(st => st.StartsWith("Package: libpq5\n", StringComparison.Ordinal)).ToList();
        foreach (var version in versions) stanzas.ShouldContain(st => st.Contains($"\nVersion: {version}\n"), $"the index lists libpq5 {version}");

        var missing = await Should.ThrowAsync<RepositoryBuildException>(() =>
            OfflineRepositoryBuilder.BuildAsync(new RepositoryBuildRequest(dir, ["libpq5", "libpq5=0.0.1-dl"])));
        missing.Message.ShouldContain("libpq5 0.0.1-dl is not in this control node's apt sources");
        missing.Message.ShouldContain("apt-cache madison libpq5");
        await Should.ThrowAsync<RepositoryBuildException>(() =>
            OfflineRepositoryBuilder.BuildAsync(new RepositoryBuildRequest(dir, ["libpq5=1;reboot"])));
    });

    private static void CopyDirectory(string from, string to)
    {
        foreach (var d in System.IO.Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            System.IO.Directory.CreateDirectory(d.Replace(from, to));
        System.IO.Directory.CreateDirectory(to);
        foreach (var f in System.IO.Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            if (!f.EndsWith("build.lock")) File.Copy(f, f.Replace(from, to));
    }
}

/// <summary>
/// apt-get with nothing of this machine's configuration, as a host runs it for one package install: the real transient
/// source (AptSourceRenderer.Transient, its shell preparation run by bash) in a private folder, apt's options from it,
/// and APT_CONFIG naming a file that points every other directory (apt.conf.d, state, cache, an empty dpkg status) at
/// private folders too.
/// </summary>
internal sealed class PrivateAptClient : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dl-aptc-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly TransientAptSource _source;

    public PrivateAptClient(AptSource source)
    {
        foreach (var d in new[] { "parts", "state", "cache/archives/partial" })
            Directory.CreateDirectory(Path.Combine(_root, d));
        File.WriteAllText(Path.Combine(_root, "status"), "");
        _source = AptSourceRenderer.Transient(source, Path.Combine(_root, "transient"));
        Bash(_source.Prepare.Raw);
        File.WriteAllText(ConfigFile,
            $"Dir::Etc::main \"/dev/null\";\nDir::Etc::parts \"{_root}/parts\";\n" +
            $"Dir::State \"{_root}/state\";\nDir::State::status \"{_root}/status\";\nDir::Cache \"{_root}/cache\";\n");
    }

    private string ConfigFile => Path.Combine(_root, "apt.conf");
    public string Archives => Path.Combine(_root, "cache", "archives");
    public string TransientDirectory => _source.Directory;

    public void Cleanup() => Bash(_source.Cleanup.Raw);

    private static void Bash(string script)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", ["-c", script]) { RedirectStandardError = true })!;
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        process.ExitCode.ShouldBe(0, stderr);
    }

    public sealed record Result(int ExitCode, string Output);

    public async Task<Result> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("apt-get") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in _source.Options) start.ArgumentList.Add(a);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["APT_CONFIG"] = ConfigFile;
        start.Environment["LC_ALL"] = "C";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); throw new TimeoutException($"apt-get {string.Join(' ', args)} took over 2 minutes"); }
        return new Result(process.ExitCode, await stdout + await stderr);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

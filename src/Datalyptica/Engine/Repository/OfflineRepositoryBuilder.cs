using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Datalyptica.Engine.Repository;

/// <summary>What to build: the folder, the packages (dependencies are added by apt), and the artifacts to hold.</summary>
public sealed record RepositoryBuildRequest(string OutputDirectory, IReadOnlyList<string> Packages)
{
    public IReadOnlyList<ArtifactSource> Artifacts { get; init; } = [];
}

/// <summary>What a build did. <see cref="NothingChanged"/> is true when nothing was downloaded, removed or re-indexed.</summary>
public sealed record RepositoryBuildResult(
    RepositoryManifest Manifest,
    IReadOnlyList<RepositoryPackage> Downloaded,
    IReadOnlyList<string> Removed,
    IReadOnlyList<RepositoryArtifact> ArtifactsFetched,
    bool Reindexed,
    int IndexesFetched,
    TimeSpan Duration)
{
    public bool NothingChanged => Downloaded.Count == 0 && Removed.Count == 0 && ArtifactsFetched.Count == 0 && !Reindexed;
    public long DownloadedBytes => Downloaded.Sum(p => p.Size);
}

/// <summary>
/// Builds a flat apt repository (DIR/pool/*.deb, DIR/Packages[.gz], DIR/Release, DIR/repo.json) that a bare
/// Debian 12 host can install the requested packages from with no other source.
/// Steps: refresh private indexes, resolve the closure against an empty dpkg status, download only what the
/// pool lacks, drop debs no longer needed, index with dpkg-scanpackages only when the pool changed.
/// <para>
/// Trust: the Release file on disk is unsigned; apply signs it with the site's key each time it serves the folder
/// (<see cref="ServedRelease"/>), so one build can serve several sites and no signing key is kept next to the pool.
/// apt checks every .deb against the SHA-256 in Packages, Packages against Release, and Release against the site key.
/// </para>
/// </summary>
public static class OfflineRepositoryBuilder
{
    private static readonly TimeSpan IndexTimeout = TimeSpan.FromMinutes(10);

    public static async Task<RepositoryBuildResult> BuildAsync(RepositoryBuildRequest request, Action<string>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.StartNew();
        var dir = Path.GetFullPath(request.OutputDirectory);
        var packages = RepositoryPackageSet.Normalise(request.Packages);
        if (packages.Count == 0) throw new ArgumentException("no packages to put in the repository", nameof(request));
        foreach (var p in packages)
        {
            var (name, version) = PackagePins.Split(p);
            if (!Contracts.SettingPatterns.DebianPackage.IsMatch(name))
                throw new RepositoryBuildException($"'{p}' is not a Debian package name. Fix: correct the component's DebianPackages.");
            if (version is not null && !Contracts.SettingPatterns.DebianVersion.IsMatch(version))
                throw new RepositoryBuildException($"'{p}': '{version}' is not {Contracts.SettingPatterns.DebianVersionText}. Fix: correct the pin ({PackagePins.SiteKey}).");
        }
        // apt installs one version of a package at a time: the pinned versions (NAME=VERSION) are resolved and downloaded
        // as a set of their own, next to the newest of everything, so the pool holds both (an upgrade's from and to).
        var aptSets = new[] { packages.Where(p => !p.Contains('=')).ToList(), packages.Where(p => p.Contains('=')).ToList() }
            .Where(set => set.Count > 0).ToList();
        foreach (var a in request.Artifacts) a.Validate("artifact");
        RequireTool("apt-get", "apt");
        RequireTool("dpkg-scanpackages", "dpkg-dev");

        Directory.CreateDirectory(Path.Combine(dir, RepositoryLayout.Pool));
        var stateDir = Path.Combine(dir, RepositoryLayout.AptState);
        Directory.CreateDirectory(stateDir);
        // One build per folder at a time: two would race on the pool and the indexes.
        await using var buildLock = AcquireLock(Path.Combine(stateDir, "build.lock"), dir);

        var apt = new PrivateApt(stateDir);
        progress?.Invoke("refreshing package indexes (private apt lists)");
        var (fetched, unchanged) = await apt.UpdateAsync(cancellation);
        progress?.Invoke($"indexes: {fetched} fetched, {unchanged} unchanged");

        progress?.Invoke($"resolving {packages.Count} package(s) and their dependencies for a bare Debian 12 host");
        var resolved = new List<ResolvedPackage>();
        var resolvedFiles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var set in aptSets)
            resolved.AddRange((await apt.ResolveAsync(set, cancellation)).Where(r => resolvedFiles.Add(r.FileName)));
        var previous = RepositoryManifest.Load(dir);
        var recorded = previous?.Packages.ToDictionary(p => p.File) ?? [];
        var poolDir = Path.Combine(dir, RepositoryLayout.Pool);

        // What the pool already holds, verified against the hash repo.json recorded (size alone would trust a
        // corrupt file). A deb the manifest does not know is left for apt, which checks it against its own index.
        var present = new HashSet<string>(StringComparer.Ordinal);
        var corrupt = new List<string>();
        Parallel.ForEach(resolved, new ParallelOptions { CancellationToken = cancellation, MaxDegreeOfParallelism = 2 }, r =>
        {
            var path = Path.Combine(poolDir, r.FileName);
            var info = new FileInfo(path);
            if (!info.Exists || !recorded.TryGetValue($"{RepositoryLayout.Pool}/{r.FileName}", out var known)) return;
            var ok = info.Length == r.Size && known.Size == r.Size && FileHash.Sha256(path) == known.Sha256;
            lock (present) (ok ? present : (ICollection<string>)corrupt).Add(r.FileName);
        });
        var missing = resolved.Where(r => !present.Contains(r.FileName)).ToList();
        progress?.Invoke($"{resolved.Count} archives needed, {present.Count} already in the pool, {missing.Count} to download ({Mb(missing.Sum(m => m.Size))})");
        if (missing.Count > 0)
        {
            foreach (var c in corrupt) File.Delete(Path.Combine(poolDir, c));
            foreach (var set in aptSets) await apt.DownloadAsync(set, poolDir, progress, cancellation);
        }
        // apt leaves its lock and partial/ folder in the archive folder; the pool should hold only debs.
        File.Delete(Path.Combine(poolDir, "lock"));
        if (Directory.Exists(Path.Combine(poolDir, "partial"))) Directory.Delete(Path.Combine(poolDir, "partial"), recursive: true);

        var wanted = resolved.Select(r => r.FileName).ToHashSet(StringComparer.Ordinal);
        var removed = new List<string>();
        foreach (var file in Directory.EnumerateFiles(poolDir).Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            if (wanted.Contains(file!)) continue;
            // The repository is exactly what the site needs: a package no component uses any more goes.
            File.Delete(Path.Combine(poolDir, file!));
            removed.Add(file!);
        }
        if (removed.Count > 0) progress?.Invoke($"removed {removed.Count} file(s) no longer needed");

        var entries = new List<RepositoryPackage>();
        foreach (var r in resolved.OrderBy(r => r.FileName, StringComparer.Ordinal))
        {
            var path = Path.Combine(poolDir, r.FileName);
            var info = new FileInfo(path);
            if (!info.Exists)
                throw new RepositoryBuildException($"apt reported success but {r.FileName} is not in {poolDir}. Fix: run the build again; if it repeats, check free space.");
            var (name, version, arch) = r.Identity;
            var file = $"{RepositoryLayout.Pool}/{r.FileName}";
            var sha = present.Contains(r.FileName) && recorded.TryGetValue(file, out var known) ? known.Sha256 : FileHash.Sha256(path);
            entries.Add(new RepositoryPackage(name, version, arch, file, info.Length, sha));
        }
        var downloaded = entries.Where(e => missing.Any(m => $"{RepositoryLayout.Pool}/{m.FileName}" == e.File)).ToList();

        var (artifacts, artifactsFetched) = await ArtifactStore.SyncAsync(dir, request.Artifacts, progress, cancellation);

        var manifest = new RepositoryManifest(RepositoryManifest.CurrentFormatVersion, RepositoryLayout.DebianCodename,
            await NativeArchitecture(cancellation), packages, entries, artifacts);

        var indexMissing = !File.Exists(Path.Combine(dir, RepositoryLayout.Packages)) || !File.Exists(Path.Combine(dir, RepositoryLayout.PackagesGz))
            || !File.Exists(Path.Combine(dir, RepositoryLayout.Release));
        var poolChanged = downloaded.Count > 0 || removed.Count > 0 || previous is null
            || !previous.Packages.Select(p => (p.File, p.Sha256)).SequenceEqual(entries.Select(p => (p.File, p.Sha256)));
        var reindexed = false;
        if (indexMissing || poolChanged)
        {
            progress?.Invoke($"indexing {entries.Count} packages (dpkg-scanpackages)");
            await WriteIndexAsync(dir, manifest, cancellation);
            reindexed = true;
        }
        if (previous is null || previous.ToJson() != manifest.ToJson()) manifest.Save(dir);

        return new RepositoryBuildResult(manifest, downloaded, removed, artifactsFetched, reindexed, fetched, started.Elapsed);
    }

    /// <summary>
    /// The versions of <paramref name="package"/> the control node's sources offer, newest first, as a build of
    /// <paramref name="directory"/> last saw them (its private lists; refreshed by every build).
    /// </summary>
    public static Task<IReadOnlyList<string>> AvailableVersionsAsync(string directory, string package, CancellationToken cancellation = default) =>
        new PrivateApt(Path.Combine(Path.GetFullPath(directory), RepositoryLayout.AptState)).VersionsAsync(package, cancellation);

    private static async Task WriteIndexAsync(string dir, RepositoryManifest manifest, CancellationToken cancellation)
    {
        // Relative "pool" so each Filename: field is pool/NAME.deb, resolved against the repository's base URL.
        var scan = await ToolProcess.RunAsync("dpkg-scanpackages", ["--multiversion", RepositoryLayout.Pool, "/dev/null"],
            IndexTimeout, cancellation, workingDirectory: dir);
        if (!scan.Succeeded)
            throw new RepositoryBuildException($"dpkg-scanpackages failed with exit {scan.ExitCode}: {scan.Stderr.Trim()}. Fix: a .deb in {dir}/pool may be corrupt; delete it and build again.");
        var packages = Encoding.UTF8.GetBytes(scan.Stdout);
        byte[] gz;
        using (var buffer = new MemoryStream())
        {
            using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true)) gzip.Write(packages);
            gz = buffer.ToArray();
        }
        AtomicFile.WriteAllBytes(Path.Combine(dir, RepositoryLayout.Packages), packages);
        AtomicFile.WriteAllBytes(Path.Combine(dir, RepositoryLayout.PackagesGz), gz);
        AtomicFile.WriteAllText(Path.Combine(dir, RepositoryLayout.Release), ReleaseFile(manifest, [(RepositoryLayout.Packages, packages), (RepositoryLayout.PackagesGz, gz)], DateTime.UtcNow));
    }

    /// <summary>
    /// The Release file of a flat repository: no Suite (apt compares it with the "./" of the source line and
    /// would warn), the hashes of both index files, and Valid-Until when given (apt then refuses it after that time).
    /// </summary>
    public static string ReleaseFile(RepositoryManifest manifest, IReadOnlyList<(string Name, byte[] Content)> indexes, DateTime dateUtc,
        DateTime? validUntilUtc = null)
    {
        var sb = new StringBuilder();
        sb.Append("Origin: Datalyptica\n");
        sb.Append("Label: Datalyptica offline repository\n");
        sb.Append(CultureInfo.InvariantCulture, $"Codename: {manifest.Codename}\n");
        sb.Append(CultureInfo.InvariantCulture, $"Architectures: {manifest.Architecture} all\n");
        sb.Append(CultureInfo.InvariantCulture, $"Date: {ReleaseDate(dateUtc)}\n");
        if (validUntilUtc is { } until) sb.Append(CultureInfo.InvariantCulture, $"Valid-Until: {ReleaseDate(until)}\n");
        sb.Append("Description: packages for a bare Debian 12 host, built by datalyptica repo build\n");
        void Section(string title, Func<byte[], byte[]> hash)
        {
            sb.Append(title).Append(":\n");
            foreach (var (name, content) in indexes)
                sb.Append(CultureInfo.InvariantCulture, $" {Convert.ToHexStringLower(hash(content))} {content.Length,16} {name}\n");
        }
        Section("MD5Sum", MD5.HashData);
        Section("SHA256", SHA256.HashData);
        return sb.ToString();
    }

    private static string ReleaseDate(DateTime utc) => utc.ToString("ddd, dd MMM yyyy HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    private static async Task<string> NativeArchitecture(CancellationToken cancellation)
    {
        var r = await ToolProcess.RunAsync("dpkg", ["--print-architecture"], TimeSpan.FromSeconds(30), cancellation);
        return r.Succeeded ? r.Stdout.Trim() : "amd64";
    }

    private static void RequireTool(string tool, string package)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':');
        if (!path.Any(p => p.Length > 0 && File.Exists(Path.Combine(p, tool))))
            throw new RepositoryBuildException($"'{tool}' is not installed on this control node. Fix: apt-get install {package}.");
    }

    private static FileStream AcquireLock(string path, string dir)
    {
        try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose); }
        catch (IOException)
        {
            throw new RepositoryBuildException($"another build is running in {dir}. Fix: wait for it to finish.");
        }
    }

    public static string Mb(long bytes) => (bytes / 1_000_000.0).ToString("0.0", CultureInfo.InvariantCulture) + " MB";
}

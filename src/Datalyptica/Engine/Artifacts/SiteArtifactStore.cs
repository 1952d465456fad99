using System.Globalization;
using System.Text;
using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Health;
using Datalyptica.Model;

namespace Datalyptica.Engine.Artifacts;

/// <summary>What the store knows of one release file.</summary>
public enum StoredState
{
    /// <summary>Not in the store (or not pinned in SHA512SUMS).</summary>
    Missing,
    /// <summary>In the store and pinned; not hashed since it last changed on disk.</summary>
    Stored,
    /// <summary>In the store, pinned, and hashed to its pin since it last changed on disk (fetch, import or verify did).</summary>
    Verified,
    /// <summary>In the store but its bytes no longer hash to the pin (verify found it).</summary>
    Changed,
}

/// <summary>A release the site needs, with the components that need it.</summary>
public sealed record NeededArtifact(ArtifactRelease Release, IReadOnlyList<string> Components);

/// <summary>An artifact component the site deploys at a version no manifest in its folder describes.</summary>
public sealed record UnmanifestedArtifact(string Component, string Version);

/// <summary>A component whose artifact the site names itself in <c>datalyptica_artifacts</c> (url and sha512): the store is not used for it.</summary>
public sealed record OverriddenArtifact(string Component, string Version, string Url);

/// <summary>Everything the site's artifact components need, split by where it comes from.</summary>
public sealed record SiteArtifactNeeds(IReadOnlyList<NeededArtifact> Needed, IReadOnlyList<UnmanifestedArtifact> Unmanifested, IReadOnlyList<OverriddenArtifact> Overridden)
{
    /// <summary>
    /// The releases of the site's artifact components at the site's versions (<c>datalyptica_versions</c>), and the runtimes
    /// they need (Trino's JDK), each once. A component the site names in <c>datalyptica_artifacts</c> is left to that entry.
    /// </summary>
    public static SiteArtifactNeeds For(Site site, IReadOnlySet<string>? overridden = null)
    {
        overridden ??= new HashSet<string>();
        var needed = new List<(ArtifactRelease Release, List<string> Components)>();
        var unmanifested = new List<UnmanifestedArtifact>();
        var overrides = new List<OverriddenArtifact>();
        void Need(ArtifactRelease release, string component)
        {
            var at = needed.FindIndex(n => n.Release.Artifact == release.Artifact && n.Release.Version == release.Version);
            if (at < 0) needed.Add((release, [component]));
            else if (!needed[at].Components.Contains(component)) needed[at].Components.Add(component);
        }
        foreach (var component in site.Components.Where(c => c.Install == InstallSource.Artifact))
        {
            var version = site.Versions.GetValueOrDefault(component.Id, component.DefaultVersion);
            if (overridden.Contains(component.Id)) overrides.Add(new(component.Id, version, ""));
            else if (component.Releases.FirstOrDefault(r => r.Version == version) is { } release) Need(release, component.Id);
            else unmanifested.Add(new(component.Id, version));
            foreach (var runtime in component.Runtimes.Where(r => !overridden.Contains(r.Artifact))) Need(runtime, component.Id);
        }
        return new(needed.Select(n => new NeededArtifact(n.Release, n.Components)).ToList(), unmanifested, overrides);
    }

    /// <summary>
    /// These needs and the release of each of <paramref name="releases"/> (component id and version) with its runtimes:
    /// what `artifacts fetch --release trino=470` stores before `upgrade SITE trino 470`.
    /// </summary>
    public SiteArtifactNeeds With(Site site, IReadOnlyList<(ComponentDefinition Component, string Version)> releases)
    {
        var needed = Needed.ToList();
        foreach (var (component, version) in releases)
        {
            var release = component.Releases.FirstOrDefault(r => r.Version == version)
                ?? throw new ArgumentException($"no release manifest of {component.Id} {version}", nameof(releases));
            foreach (var r in component.Runtimes.Append(release).Where(r => !needed.Any(n => n.Release.Artifact == r.Artifact && n.Release.Version == r.Version)))
                needed.Add(new NeededArtifact(r, [component.Id]));
        }
        return this with { Needed = needed };
    }
}

/// <summary>One pinned file as <c>artifacts verify</c> found it: its state, whether it is a stand-in, and whether its STAND-IN marker had to be written again.</summary>
public sealed record VerifiedFile(string Path, StoredState State, bool StandIn = false, bool MarkerRestored = false);

/// <summary>An artifact the store would not take: a checksum that does not match, a checksum file missing or unreadable.</summary>
public sealed class ArtifactRefusedException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>
/// The site's artifact store: <c>SITE/artifacts/ARTIFACT/VERSION/FILE</c> (the version in the path: Loki's file name has
/// none, and a new version must never be taken for the old one's file), each beside the checksum file upstream publishes for
/// it, and <c>SITE/artifacts/SHA512SUMS</c> pinning the SHA-512 of every stored file (<c>sha512sum -c SHA512SUMS</c> reads
/// it). A file enters the store only after its upstream checksum matched (<see cref="FetchAsync"/>, <see cref="Import"/>);
/// plan reads the pins, apply checks each file against its pin again before any host gets it.
/// A file admitted into the store is also read for the stand-in's entry (<see cref="StandInArchive"/>): a stand-in gets a
/// <c>STAND-IN</c> marker in its version folder and a line in <c>.stand-ins</c> (its pin), so removing the marker by hand
/// does not make it pass as the real release; <see cref="VerifyAsync"/> reads every archive again and restores both.
/// </summary>
public sealed class SiteArtifactStore(string directory)
{
    public const string FolderName = "artifacts";
    public const string PinsFile = "SHA512SUMS";
    /// <summary>Size and modification time of each file when it last hashed to its pin: what lets <c>list</c> say "verified" without hashing again.</summary>
    public const string StampsFile = ".verified";
    public const string ManifestFile = "MANIFEST";
    /// <summary>Written in a stand-in's version folder (<c>ARTIFACT/VERSION/STAND-IN</c>): what it is and when it was stored.</summary>
    public const string StandInMarker = "STAND-IN";
    /// <summary>The pins of the stored stand-ins ("SHA512  PATH"), kept apart from the markers so a removed marker is noticed.</summary>
    public const string StandInsFile = ".stand-ins";

    private static readonly object PinLock = new();

    public string Directory { get; } = directory;

    public static SiteArtifactStore ForSite(string siteDirectory) => new(Path.Combine(siteDirectory, FolderName));

    public static string RelativePath(ArtifactRelease release) => $"{release.Artifact}/{release.Version}/{release.FileName}";
    public string PathOf(ArtifactRelease release) => Path.Combine(Directory, release.Artifact, release.Version, release.FileName);
    public string ChecksumPathOf(ArtifactRelease release) => Path.Combine(Directory, release.Artifact, release.Version, release.ChecksumFileName);
    public string StandInMarkerOf(ArtifactRelease release) => Path.Combine(Directory, release.Artifact, release.Version, StandInMarker);

    /// <summary>
    /// Whether the store's file for the release is a stand-in: its version folder has the <c>STAND-IN</c> marker, or its
    /// pin is listed in <c>.stand-ins</c> (the marker was removed by hand). Reads no archive; fetch, import and verify did.
    /// </summary>
    public bool IsStandIn(ArtifactRelease release)
    {
        if (!File.Exists(PathOf(release))) return false;
        if (File.Exists(StandInMarkerOf(release))) return true;
        return Pinned(release) is { } pin && ReadStandIns().TryGetValue(RelativePath(release), out var standIn) && standIn == pin;
    }

    /// <summary>The pinned SHA-512 (lowercase hex) of the release's stored file, or null when the file or its pin is missing.</summary>
    public string? Pinned(ArtifactRelease release) =>
        File.Exists(PathOf(release)) && ReadPins().TryGetValue(RelativePath(release), out var sha512) ? sha512 : null;

    public StoredState State(ArtifactRelease release)
    {
        var pinned = Pinned(release);
        if (pinned is null) return StoredState.Missing;
        return ReadStamps().TryGetValue(RelativePath(release), out var stamp) && stamp == Stamp(PathOf(release)) ? StoredState.Verified : StoredState.Stored;
    }

    /// <summary>
    /// Downloads the release's checksum file and then the release file (progress: bytes so far, total or null), checks
    /// the file against upstream's digest, and only then moves it into the store and pins its SHA-512. Returns false when
    /// the store already held it verified (nothing downloaded but the checksum file).
    /// </summary>
    public async Task<bool> FetchAsync(ArtifactRelease release, HttpClient http, Action<long, long?>? progress, CancellationToken cancellation)
    {
        var checksumText = await DownloadTextAsync(http, release.Checksum.Url, release, cancellation);
        var expected = ChecksumFile.Parse(checksumText, release.Checksum, release.FileName, release.Checksum.Url);
        var target = PathOf(release);
        if (Pinned(release) is not null && await ChecksumFile.HashAsync(target, release.Checksum.Algorithm, cancellation) == expected)
        {
            await KeepAsync(release, target, checksumText, cancellation);
            return false;
        }
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temp = Path.Combine(Path.GetDirectoryName(target)!, $".{release.FileName}.partial");
        try
        {
            await DownloadFileAsync(http, release, temp, progress, cancellation);
            await AcceptAsync(release, temp, expected, release.Url, cancellation);
            File.Move(temp, target, overwrite: true);
            await KeepAsync(release, target, checksumText, cancellation);
            return true;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// Takes the release file from <paramref name="from"/> (<c>DIR/ARTIFACT/VERSION/FILE</c> as in a store, <c>DIR/ARTIFACT/FILE</c>, or
    /// <c>DIR/FILE</c>) with the checksum file
    /// upstream publishes beside it, checks one against the other, copies the file into the store and pins it. Returns
    /// false when the release file is not in <paramref name="from"/> at all; refuses (throws) a file whose checksum file is
    /// missing or does not match.
    /// </summary>
    public async Task<bool> ImportAsync(ArtifactRelease release, string from, CancellationToken cancellation)
    {
        var folder = new[] { Path.Combine(from, release.Artifact, release.Version), Path.Combine(from, release.Artifact), from }.FirstOrDefault(d => File.Exists(Path.Combine(d, release.FileName)));
        if (folder is null) return false;
        var source = Path.Combine(folder, release.FileName);
        var checksumPath = Path.Combine(folder, release.ChecksumFileName);
        if (!File.Exists(checksumPath))
            throw new ArtifactRefusedException($"{release.Artifact} {release.Version}: {source} has no checksum file beside it: {checksumPath} is missing. " +
                                               $"Fix: download it from {release.Checksum.Url} and put it next to {release.FileName}.");
        var checksumText = await File.ReadAllTextAsync(checksumPath, cancellation);
        var expected = ChecksumFile.Parse(checksumText, release.Checksum, release.FileName, checksumPath);
        await AcceptAsync(release, source, expected, source, cancellation);
        var target = PathOf(release);
        if (Path.GetFullPath(source) != Path.GetFullPath(target))
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var temp = Path.Combine(Path.GetDirectoryName(target)!, $".{release.FileName}.partial");
            try
            {
                File.Copy(source, temp, overwrite: true);
                // Hash what was copied, not only the source: the pin must describe the bytes in the store.
                await AcceptAsync(release, temp, expected, source, cancellation);
                File.Move(temp, target, overwrite: true);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        }
        await KeepAsync(release, target, checksumText, cancellation);
        return true;
    }

    /// <summary>
    /// Hashes every pinned file again: Verified, Changed (bytes differ from the pin) or Missing. Every file present is also
    /// read again for the stand-in's entry: a stand-in's marker and <c>.stand-ins</c> line are written back when removed
    /// (<see cref="VerifiedFile.MarkerRestored"/>), a file that is no longer one loses them.
    /// </summary>
    public async Task<IReadOnlyList<VerifiedFile>> VerifyAsync(CancellationToken cancellation)
    {
        var results = new List<VerifiedFile>();
        foreach (var (relative, sha512) in ReadPins().OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var path = Path.Combine(Directory, relative);
            if (!File.Exists(path)) { results.Add(new(relative, StoredState.Missing)); continue; }
            var actual = await ArtifactFetch.Sha512Async(path, cancellation);
            var ok = actual == sha512;
            UpdateStamp(relative, ok ? Stamp(path) : null);
            var (standIn, restored) = MarkStandIn(relative, path, actual, "artifacts verify found it");
            results.Add(new(relative, ok ? StoredState.Verified : StoredState.Changed, standIn, restored));
        }
        return results;
    }

    /// <summary>
    /// Writes <c>MANIFEST</c>: what the site needs from upstream (artifact, version, file, URL, checksum URL), for an
    /// operator who downloads by hand on a connected machine and brings the files in with <c>artifacts import</c>.
    /// </summary>
    public void WriteManifest(SiteArtifactNeeds needs)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var sb = new StringBuilder();
        sb.Append("# Written by datalyptica (init, artifacts fetch/import): the release files this site's hosts install, from upstream.\n");
        sb.Append("# Each goes to ARTIFACT/VERSION/FILE here with its checksum file beside it: `datalyptica artifacts fetch SITE` downloads both,\n");
        sb.Append("# `datalyptica artifacts import SITE --from DIR` takes them from a folder. SHA512SUMS pins what is stored.\n");
        sb.Append("# artifact version file approx-MB url checksum-url\n");
        foreach (var n in needs.Needed)
            sb.Append(CultureInfo.InvariantCulture, $"{n.Release.Artifact} {n.Release.Version} {n.Release.FileName} {n.Release.ApproximateMb} {n.Release.Url} {n.Release.Checksum.Url}\n");
        foreach (var u in needs.Unmanifested)
            sb.Append(CultureInfo.InvariantCulture, $"# {u.Component} {u.Version}: no release manifest; set datalyptica_artifacts.{u.Component} (url, sha512)\n");
        IO.AtomicFile.Write(Path.Combine(Directory, ManifestFile), sb.ToString());
    }

    public IReadOnlyDictionary<string, string> ReadPins() => ReadPairs(Path.Combine(Directory, PinsFile), reverse: true);

    private async Task AcceptAsync(ArtifactRelease release, string path, string expected, string shownAs, CancellationToken cancellation)
    {
        var actual = await ChecksumFile.HashAsync(path, release.Checksum.Algorithm, cancellation);
        if (actual != expected)
            throw new ArtifactRefusedException($"{release.Artifact} {release.Version}: {shownAs} has {ChecksumFile.Name(release.Checksum.Algorithm)} {actual[..16]}..., " +
                                               $"upstream's checksum file ({release.Checksum.Url}) says {expected[..16]}...; it was not stored. " +
                                               "Fix: download the file again from the release URL (a truncated or altered download), or check the mirror serves the same release.");
    }

    // The file is in place and matched upstream: keep upstream's checksum file beside it, pin its SHA-512, stamp it verified.
    private async Task KeepAsync(ArtifactRelease release, string target, string checksumText, CancellationToken cancellation)
    {
        var checksumPath = ChecksumPathOf(release);
        if (!File.Exists(checksumPath) || await File.ReadAllTextAsync(checksumPath, cancellation) != checksumText)
            IO.AtomicFile.Write(checksumPath, checksumText);
        var sha512 = await ArtifactFetch.Sha512Async(target, cancellation);
        lock (PinLock)
        {
            var pins = new Dictionary<string, string>(ReadPins()) { [RelativePath(release)] = sha512 };
            IO.AtomicFile.Write(Path.Combine(Directory, PinsFile),
                string.Concat(pins.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Value}  {p.Key}\n")));
        }
        UpdateStamp(RelativePath(release), Stamp(target));
        MarkStandIn(RelativePath(release), target, sha512, "stored");
    }

    /// <summary>
    /// Reads the stored file for the stand-in's entry and makes the marker and <c>.stand-ins</c> say what it found. Returns
    /// whether it is a stand-in, and whether a stand-in's marker was missing and written again.
    /// </summary>
    private (bool StandIn, bool Restored) MarkStandIn(string relative, string path, string sha512, string how)
    {
        var standIn = StandInArchive.Contains(path);
        var marker = Path.Combine(Directory, Path.GetDirectoryName(relative)!, StandInMarker);
        var restored = false;
        lock (PinLock)
        {
            var listed = new Dictionary<string, string>(ReadStandIns());
            if (standIn)
            {
                restored = !File.Exists(marker);
                if (restored)
                    IO.AtomicFile.Write(marker,
                        $"stand-in: {relative} holds {StandInSignature.ArchiveEntry}: a release-faithful stand-in for the lab, not the real release.\n" +
                        string.Create(CultureInfo.InvariantCulture, $"{how}: {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} (sha512 {sha512[..16]}...)\n") +
                        $"Lab sites only: validate refuses a site of any other environment whose store holds it ({Diagnostics.FindingCodes.StandInOutsideLab.Code}).\n" +
                        "For the real release: remove this folder and run datalyptica artifacts fetch SITE (or import).\n");
                listed[relative] = sha512;
            }
            else
            {
                if (File.Exists(marker)) File.Delete(marker);
                listed.Remove(relative);
            }
            var file = Path.Combine(Directory, StandInsFile);
            if (listed.Count > 0 || File.Exists(file))
                IO.AtomicFile.Write(file, string.Concat(listed.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Value}  {p.Key}\n")));
        }
        return (standIn, restored);
    }

    private IReadOnlyDictionary<string, string> ReadStandIns() => ReadPairs(Path.Combine(Directory, StandInsFile), reverse: true);

    private void UpdateStamp(string relative, string? stamp)
    {
        lock (PinLock)
        {
            var stamps = new Dictionary<string, string>(ReadStamps());
            if (stamp is null) stamps.Remove(relative); else stamps[relative] = stamp;
            IO.AtomicFile.Write(Path.Combine(Directory, StampsFile),
                string.Concat(stamps.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}\n")));
        }
    }

    private IReadOnlyDictionary<string, string> ReadStamps() => ReadPairs(Path.Combine(Directory, StampsFile), reverse: false);

    private static string Stamp(string path)
    {
        var info = new FileInfo(path);
        return string.Create(CultureInfo.InvariantCulture, $"{info.Length} {info.LastWriteTimeUtc.Ticks}");
    }

    // SHA512SUMS: "HEX  PATH" (reverse: path is the key); .verified: "PATH SIZE TICKS".
    private static IReadOnlyDictionary<string, string> ReadPairs(string file, bool reverse)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(file)) return result;
        foreach (var line in File.ReadLines(file))
        {
            var parts = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || line.StartsWith('#')) continue;
            if (reverse)
            {
                var name = parts[1].TrimStart('*');
                if (parts[0].Length == 128 && parts[0].All(char.IsAsciiHexDigit) && !name.Contains("..", StringComparison.Ordinal)) result[name] = parts[0].ToLowerInvariant();
            }
            else result[parts[0]] = parts[1];
        }
        return result;
    }

    private static async Task<string> DownloadTextAsync(HttpClient http, string url, ArtifactRelease release, CancellationToken cancellation)
    {
        try
        {
            using var response = await http.GetAsync(url, cancellation);
            if (!response.IsSuccessStatusCode)
                throw new ArtifactRefusedException($"{release.Artifact} {release.Version}: the checksum file {url} answered {(int)response.StatusCode} {response.ReasonPhrase}; " +
                                                   "nothing is stored without upstream's checksum. Fix: check the release is still published there (or use artifacts import with the checksum file beside the download).");
            return await response.Content.ReadAsStringAsync(cancellation);
        }
        catch (HttpRequestException e)
        {
            throw new ArtifactRefusedException($"{release.Artifact} {release.Version}: cannot fetch the checksum file {url}: {e.Message}. " +
                                               "Fix: check the route to it (or use artifacts import on an air-gapped control node).", e);
        }
    }

    private static async Task DownloadFileAsync(HttpClient http, ArtifactRelease release, string temp, Action<long, long?>? progress, CancellationToken cancellation)
    {
        HttpResponseMessage response;
        try { response = await http.GetAsync(release.Url, HttpCompletionOption.ResponseHeadersRead, cancellation); }
        catch (HttpRequestException e)
        {
            throw new ArtifactRefusedException($"{release.Artifact} {release.Version}: cannot fetch {release.Url}: {e.Message}. Fix: check the route to it.", e);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw new ArtifactRefusedException($"{release.Artifact} {release.Version}: {release.Url} answered {(int)response.StatusCode} {response.ReasonPhrase}. " +
                                                   "Fix: check the release is still published there.");
            var total = response.Content.Headers.ContentLength;
            await using var body = await response.Content.ReadAsStreamAsync(cancellation);
            await using var output = File.Create(temp);
            var buffer = new byte[1 << 16];
            long done = 0;
            var lastReport = Environment.TickCount64;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellation)) > 0)
            {
                await output.WriteAsync(buffer.AsMemory(0, read), cancellation);
                done += read;
                if (progress is not null && Environment.TickCount64 - lastReport >= 1000)
                {
                    lastReport = Environment.TickCount64;
                    progress(done, total);
                }
            }
            progress?.Invoke(done, total);
        }
    }
}

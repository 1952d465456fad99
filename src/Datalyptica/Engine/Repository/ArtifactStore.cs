using System.Text.RegularExpressions;
using Datalyptica.Engine.Artifacts;

namespace Datalyptica.Engine.Repository;

/// <summary>An artifact to hold: component, version, its pinned SHA-512, and where to get it (a file path or an http(s) URL).</summary>
public sealed partial record ArtifactSource(string Component, string Version, string Sha512, string Location)
{
    /// <summary>The file name under artifacts/COMPONENT/VERSION/: the last segment of the path or URL.</summary>
    public string FileName =>
        IsUrl ? Uri.UnescapeDataString(new Uri(Location).AbsolutePath.Split('/').Last()) : Path.GetFileName(Location);

    public bool IsUrl => ArtifactFetch.IsUrl(Location);

    /// <summary>
    /// Component, version and file name become folder and file names the server serves, so they may hold no
    /// separators, no leading dot and nothing a shell would read specially.
    /// </summary>
    public void Validate(string where)
    {
        if (!SafeName().IsMatch(Component)) throw Bad(where, $"component '{Component}' is not a plain name (a-z, 0-9, '-')");
        if (!SafeVersion().IsMatch(Version)) throw Bad(where, $"version '{Version}' is not a plain version (letters, digits, '.', '-', '_', '+')");
        if (!Sha512Hex().IsMatch(Sha512)) throw Bad(where, $"'{Sha512}' is not a SHA-512 (128 hex digits)");
        var name = FileName;
        if (!SafeFile().IsMatch(name)) throw Bad(where, $"file name '{name}' from '{Location}' is not a plain file name");
    }

    private static RepositoryBuildException Bad(string where, string what) =>
        new($"{where}: {what}. Fix: each artifact line is 'COMPONENT VERSION SHA512 PATH-OR-URL'.");

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")] private static partial Regex SafeName();
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")] private static partial Regex SafeVersion();
    [GeneratedRegex("^[0-9a-fA-F]{128}$")] private static partial Regex Sha512Hex();
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._+-]{0,200}$")] private static partial Regex SafeFile();
}

/// <summary>
/// Holds artifacts under DIR/artifacts/COMPONENT/VERSION/ with a SHA512SUMS file per folder (sha512sum -c reads
/// it). Every artifact is fetched into a temporary file and verified first; only when all of them match their
/// pinned checksums (and none is a stand-in, <see cref="StandInArchive"/>) is anything moved into the repository, so a
/// wrong checksum or a stand-in leaves the repository as it was.
/// </summary>
public static class ArtifactStore
{
    private static readonly TimeSpan DownloadTimeout = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Reads an artifact list: one 'COMPONENT VERSION SHA512 PATH-OR-URL' per line, '#' starts a comment;
    /// relative paths are relative to the list file.
    /// </summary>
    public static IReadOnlyList<ArtifactSource> ReadList(string listFile)
    {
        if (!File.Exists(listFile))
            throw new RepositoryBuildException($"artifact list '{listFile}' does not exist. Fix: pass an existing file to --artifacts.");
        var baseDir = Path.GetDirectoryName(Path.GetFullPath(listFile))!;
        var sources = new List<ArtifactSource>();
        var lineNo = 0;
        foreach (var raw in File.ReadLines(listFile))
        {
            lineNo++;
            var line = raw.Split('#')[0].Trim();
            if (line.Length == 0) continue;
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 4)
                throw new RepositoryBuildException($"{listFile}:{lineNo}: expected 4 fields, found {f.Length}. Fix: write 'COMPONENT VERSION SHA512 PATH-OR-URL'.");
            var location = f[3].Contains("://", StringComparison.Ordinal) ? f[3] : Path.GetFullPath(Path.Combine(baseDir, f[3]));
            var source = new ArtifactSource(f[0], f[1], f[2].ToLowerInvariant(), location);
            source.Validate($"{listFile}:{lineNo}");
            sources.Add(source);
        }
        return sources;
    }

    /// <summary>Reads a folder laid out like the repository's own artifacts/ (COMPONENT/VERSION/SHA512SUMS plus the files).</summary>
    public static IReadOnlyList<ArtifactSource> ReadFolder(string folder)
    {
        if (!Directory.Exists(folder))
            throw new RepositoryBuildException($"artifact folder '{folder}' does not exist. Fix: pass a folder with COMPONENT/VERSION/SHA512SUMS to --artifacts-from.");
        var sources = new List<ArtifactSource>();
        foreach (var sums in Directory.EnumerateFiles(folder, RepositoryLayout.ArtifactChecksums, SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var versionDir = Path.GetDirectoryName(sums)!;
            var version = Path.GetFileName(versionDir);
            var component = Path.GetFileName(Path.GetDirectoryName(versionDir)!);
            var lineNo = 0;
            foreach (var line in File.ReadLines(sums))
            {
                lineNo++;
                if (line.Trim().Length == 0) continue;
                // sha512sum writes "HASH  NAME" (text) or "HASH *NAME" (binary).
                var m = Regex.Match(line, @"^([0-9a-fA-F]{128}) [ *](.+)$");
                if (!m.Success) throw new RepositoryBuildException($"{sums}:{lineNo}: not a sha512sum line. Fix: regenerate it with `sha512sum FILE > SHA512SUMS`.");
                var source = new ArtifactSource(component, version, m.Groups[1].Value.ToLowerInvariant(), Path.Combine(versionDir, m.Groups[2].Value));
                source.Validate($"{sums}:{lineNo}");
                sources.Add(source);
            }
        }
        return sources;
    }

    /// <summary>Copies or downloads, verifies, then moves into place. Returns what the repository holds and what was fetched now.</summary>
    public static async Task<(IReadOnlyList<RepositoryArtifact> Held, IReadOnlyList<RepositoryArtifact> Fetched)> SyncAsync(
        string repositoryDirectory, IReadOnlyList<ArtifactSource> sources, Action<string>? progress, CancellationToken cancellation)
    {
        var duplicates = sources.GroupBy(s => (s.Component, s.Version, s.FileName)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
            throw new RepositoryBuildException($"artifact {duplicates[0].Component} {duplicates[0].Version} {duplicates[0].FileName} is listed twice. Fix: keep one line per file.");

        var staged = new List<(ArtifactSource Source, string Temp, string Target)>();
        var held = new List<RepositoryArtifact>();
        var fetched = new List<RepositoryArtifact>();
        try
        {
            using var http = new HttpClient { Timeout = DownloadTimeout };
            foreach (var source in sources)
            {
                var folder = Path.Combine(repositoryDirectory, RepositoryLayout.ArtifactFolder(source.Component, source.Version));
                var target = Path.Combine(folder, source.FileName);
                if (File.Exists(target) && ArtifactFetch.Sha512(target) == source.Sha512)
                {
                    held.Add(new RepositoryArtifact(source.Component, source.Version, source.FileName, new FileInfo(target).Length, source.Sha512));
                    continue;
                }
                Directory.CreateDirectory(folder);
                var temp = Path.Combine(folder, $".{source.FileName}.partial");
                staged.Add((source, temp, target));
                progress?.Invoke($"fetch artifact {source.Component} {source.Version} {source.FileName} from {source.Location}");
                await FetchAsync(http, source, temp, cancellation);
                // The repository serves production hosts: the lab's stand-ins are never packed (docs/ARTIFACTS.md).
                if (StandInArchive.Contains(temp))
                    throw new RepositoryBuildException($"artifact {source.Component} {source.Version} ({source.Location}) is a stand-in (it holds {Contracts.Health.StandInSignature.ArchiveEntry}): " +
                                                       "the lab's release-faithful stand-in, never packed into a repository; nothing was added. Fix: list the real release file instead.");
            }
            // All verified: now move into place.
            foreach (var (source, temp, target) in staged)
            {
                File.Move(temp, target, overwrite: true);
                var artifact = new RepositoryArtifact(source.Component, source.Version, source.FileName, new FileInfo(target).Length, source.Sha512);
                held.Add(artifact);
                fetched.Add(artifact);
            }
            staged.Clear();
        }
        finally
        {
            foreach (var (_, temp, _) in staged) File.Delete(temp);
        }
        WriteChecksums(repositoryDirectory, held);
        return (held.OrderBy(a => a.Component).ThenBy(a => a.Version).ThenBy(a => a.File).ToList(), fetched);
    }

    private static async Task FetchAsync(HttpClient http, ArtifactSource source, string temp, CancellationToken cancellation)
    {
        try
        {
            await ArtifactFetch.FetchVerifiedAsync(http, source.Location, source.Sha512, temp, (actual, pinned) => new RepositoryBuildException(
                $"artifact {source.Component} {source.Version} ({source.Location}) has SHA-512 {actual[..16]}..., but {pinned[..16]}... is pinned; " +
                "nothing was added to the repository. Fix: fetch the right file, or correct the pinned checksum if the release was re-published."), cancellation);
        }
        catch (ArtifactFetchException e)
        {
            throw e switch
            {
                { Status: { } status } => new RepositoryBuildException($"artifact {source.Component} {source.Version}: {source.Location} answered {(int)status} {e.ReasonPhrase}. Fix: check the URL or the artifact repository."),
                { MissingFile: true } => new RepositoryBuildException($"artifact {source.Component} {source.Version}: '{source.Location}' does not exist. Fix: correct the path in the artifact list."),
                _ => new RepositoryBuildException($"artifact {source.Component} {source.Version}: cannot fetch {source.Location}: {e.InnerException?.Message}. Fix: check the URL and the route to it.", e.InnerException!),
            };
        }
    }

    /// <summary>One SHA512SUMS per COMPONENT/VERSION folder, listing every artifact held there, sorted.</summary>
    private static void WriteChecksums(string repositoryDirectory, IReadOnlyList<RepositoryArtifact> held)
    {
        foreach (var group in held.GroupBy(a => (a.Component, a.Version)))
        {
            var folder = Path.Combine(repositoryDirectory, RepositoryLayout.ArtifactFolder(group.Key.Component, group.Key.Version));
            var lines = group.OrderBy(a => a.File, StringComparer.Ordinal).Select(a => $"{a.Sha512}  {a.File}\n");
            var path = Path.Combine(folder, RepositoryLayout.ArtifactChecksums);
            var content = string.Concat(lines);
            if (!File.Exists(path) || File.ReadAllText(path) != content) AtomicFile.WriteAllText(path, content);
        }
    }
}

using System.Runtime.ExceptionServices;
using Datalyptica.Engine.Artifacts;

namespace Datalyptica.Engine.Apply;

/// <summary>A downloaded artifact's SHA-512 is not the pinned one. Raised before any host is touched.</summary>
public sealed class ArtifactChecksumException(string url, string actual, string expected)
    : Exception($"artifact {url}: its SHA-512 is {actual[..16]}…, the pinned value is {expected[..Math.Min(16, expected.Length)]}…; nothing was changed on any host. " +
                "Fix: check the URL points at the right release, or update datalyptica_artifacts.<component>.sha512 from the release's .sha512 file.")
{
    public string Url { get; } = url;
}

/// <summary>
/// The control node's artifact cache: each artifact is fetched once (<see cref="ArtifactFetch"/>: http, https, file:// or a
/// local path), checked against its pinned SHA-512, and kept under its checksum, so every host gets the same verified bytes.
/// </summary>
/// <remarks>
/// Files from the site's artifact store (<see cref="SiteArtifactStore"/>) come through here too, as local paths, and
/// apply uploads them over each host's own SSH session (PlanStep.UploadArtifact) rather than serving the store over
/// HTTP the way the offline apt repository is served (Repository/RepositoryServer.cs). apt must fetch by itself, so it
/// needs a server; an archive does not, and serving one would add a listen address every host can reach, a firewall
/// opening and a download client on the hosts, for bytes the already-trusted SSH session can carry. Copying the file
/// into this cache before the check (rather than uploading straight from the store) makes the bytes uploaded the bytes
/// checked, even if the store changes while apply runs.
/// </remarks>
public sealed class ArtifactStore(string cacheDirectory, HttpClient? http = null)
{
    private readonly HttpClient _http = http ?? new HttpClient { Timeout = TimeSpan.FromMinutes(30) };

    public string CacheDirectory { get; } = cacheDirectory;

    public string PathFor(string url, string sha512) =>
        Path.Combine(CacheDirectory, sha512.ToLowerInvariant()[..32], FileNameOf(url));

    /// <summary>Returns the local path of the verified artifact, downloading it if the cache does not have it.</summary>
    public async Task<string> FetchAsync(string url, string sha512, CancellationToken cancellation)
    {
        sha512 = sha512.ToLowerInvariant();
        var target = PathFor(url, sha512);
        if (File.Exists(target) && await ArtifactFetch.Sha512Async(target, cancellation) == sha512) return target;

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temp = target + ".download";
        try
        {
            await ArtifactFetch.FetchVerifiedAsync(_http, url, sha512, temp, (actual, pinned) => new ArtifactChecksumException(url, actual, pinned), cancellation);
            File.Move(temp, target, overwrite: true);
            return target;
        }
        catch (ArtifactFetchException e) when (e.InnerException is HttpRequestException inner)
        {
            ExceptionDispatchInfo.Throw(inner);
            throw;
        }
        catch (ArtifactFetchException e)
        {
            throw e.MissingFile
                ? new FileNotFoundException($"artifact {url}: no such file on the control node. Fix: check datalyptica_artifacts.")
                : new IOException($"artifact {url}: HTTP {(int?)e.Status}. Fix: check the URL and that the artifact repository serves it.");
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static string FileNameOf(string url)
    {
        var name = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? Path.GetFileName(uri.LocalPath) : Path.GetFileName(url);
        return string.IsNullOrEmpty(name) ? "artifact" : name;
    }
}

using System.Security.Cryptography;

namespace Datalyptica.Engine.Apply;

/// <summary>A downloaded artifact's SHA-512 is not the pinned one. Raised before any host is touched.</summary>
public sealed class ArtifactChecksumException(string url, string actual, string expected)
    : Exception($"artifact {url}: its SHA-512 is {actual[..16]}…, the pinned value is {expected[..Math.Min(16, expected.Length)]}…; nothing was changed on any host. " +
                "Fix: check the URL points at the right release, or update datalyptica_artifacts.<component>.sha512 from the release's .sha512 file.")
{
    public string Url { get; } = url;
}

/// <summary>
/// The control node's artifact cache: each artifact is downloaded once (http, https, file:// or a local path), checked
/// against its pinned SHA-512, and kept under its checksum, so every host gets the same verified bytes.
/// </summary>
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
        if (File.Exists(target) && await Sha512Async(target, cancellation) == sha512) return target;

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temp = target + ".download";
        try
        {
            await using (var output = File.Create(temp))
            {
                if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
                {
                    using var response = await _http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellation);
                    if (!response.IsSuccessStatusCode)
                        throw new IOException($"artifact {url}: HTTP {(int)response.StatusCode}. Fix: check the URL and that the artifact repository serves it.");
                    await (await response.Content.ReadAsStreamAsync(cancellation)).CopyToAsync(output, cancellation);
                }
                else
                {
                    var local = uri is { IsFile: true } ? uri.LocalPath : url;
                    if (!File.Exists(local)) throw new FileNotFoundException($"artifact {url}: no such file on the control node. Fix: check datalyptica_artifacts.");
                    await using var input = File.OpenRead(local);
                    await input.CopyToAsync(output, cancellation);
                }
            }
            var actual = await Sha512Async(temp, cancellation);
            if (actual != sha512) throw new ArtifactChecksumException(url, actual, sha512);
            File.Move(temp, target, overwrite: true);
            return target;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public static async Task<string> Sha512Async(string path, CancellationToken cancellation)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA512.HashDataAsync(stream, cancellation));
    }

    private static string FileNameOf(string url)
    {
        var name = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? Path.GetFileName(uri.LocalPath) : Path.GetFileName(url);
        return string.IsNullOrEmpty(name) ? "artifact" : name;
    }
}

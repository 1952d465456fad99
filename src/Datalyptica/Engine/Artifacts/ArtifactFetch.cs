using System.Net;
using System.Security.Cryptography;

namespace Datalyptica.Engine.Artifacts;

/// <summary>
/// Why an artifact could not be fetched, as data, so each caller (apply's cache, the offline repository) words it for
/// its own command: the HTTP answer, a local file that is not there, or the transport's error.
/// </summary>
public sealed class ArtifactFetchException(string location, string message, HttpStatusCode? status = null, string? reasonPhrase = null, bool missingFile = false, Exception? inner = null)
    : IOException(message, inner)
{
    public string Location { get; } = location;
    public HttpStatusCode? Status { get; } = status;
    public string? ReasonPhrase { get; } = reasonPhrase;
    public bool MissingFile { get; } = missingFile;
}

/// <summary>
/// The one fetch-and-verify of a pinned artifact, used by apply's artifact cache (<see cref="Apply.ArtifactStore"/>) and the
/// offline repository (<see cref="Repository.ArtifactStore"/>): copy a local path (or file:// URL) or download an http(s)
/// URL into a temporary file, and accept it only when its SHA-512 is the pinned one.
/// </summary>
public static class ArtifactFetch
{
    public static bool IsUrl(string location) =>
        location.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Writes <paramref name="location"/>'s bytes to <paramref name="temp"/> and returns their SHA-512 (lowercase hex);
    /// <paramref name="mismatch"/> (actual, pinned) is thrown when it is not <paramref name="sha512"/>.
    /// </summary>
    public static async Task FetchVerifiedAsync(HttpClient http, string location, string sha512, string temp,
        Func<string, string, Exception> mismatch, CancellationToken cancellation)
    {
        await FetchAsync(http, location, temp, cancellation);
        var actual = await Sha512Async(temp, cancellation);
        if (!string.Equals(actual, sha512, StringComparison.OrdinalIgnoreCase)) throw mismatch(actual, sha512);
    }

    private static async Task FetchAsync(HttpClient http, string location, string temp, CancellationToken cancellation)
    {
        await using var output = File.Create(temp);
        if (IsUrl(location))
        {
            HttpResponseMessage response;
            try { response = await http.GetAsync(location, HttpCompletionOption.ResponseHeadersRead, cancellation); }
            catch (HttpRequestException e) { throw new ArtifactFetchException(location, $"cannot fetch {location}: {e.Message}", inner: e); }
            using (response)
            {
                if (!response.IsSuccessStatusCode)
                    throw new ArtifactFetchException(location, $"{location} answered {(int)response.StatusCode} {response.ReasonPhrase}", response.StatusCode, response.ReasonPhrase);
                await using var body = await response.Content.ReadAsStreamAsync(cancellation);
                await body.CopyToAsync(output, cancellation);
            }
            return;
        }
        var local = location.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(location, UriKind.Absolute, out var uri) ? uri.LocalPath : location;
        if (!File.Exists(local)) throw new ArtifactFetchException(location, $"{location}: no such file", missingFile: true);
        await using var input = File.OpenRead(local);
        await input.CopyToAsync(output, cancellation);
    }

    public static Task<string> Sha512Async(string path, CancellationToken cancellation) =>
        ChecksumFile.HashAsync(path, Contracts.ChecksumAlgorithm.Sha512, cancellation);

    public static string Sha512(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA512.HashData(stream));
    }
}

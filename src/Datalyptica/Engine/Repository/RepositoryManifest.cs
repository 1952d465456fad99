using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Datalyptica.Engine.Repository;

/// <summary>One .deb in the pool: what apt resolved, and the checksum of the file we hold.</summary>
public sealed record RepositoryPackage(string Name, string Version, string Architecture, string File, long Size, string Sha256);

/// <summary>One artifact (tarball) held under artifacts/COMPONENT/VERSION/, verified against its pinned SHA-512.</summary>
public sealed record RepositoryArtifact(string Component, string Version, string File, long Size, string Sha512);

/// <summary>
/// repo.json: what the repository holds. It has no timestamp, so an unchanged rebuild writes the same bytes
/// and a diff of two manifests shows exactly which packages moved.
/// </summary>
public sealed record RepositoryManifest(
    int FormatVersion,
    string Codename,
    string Architecture,
    IReadOnlyList<string> Requested,
    IReadOnlyList<RepositoryPackage> Packages,
    IReadOnlyList<RepositoryArtifact> Artifacts)
{
    public const int CurrentFormatVersion = 1;

    public long TotalBytes => Packages.Sum(p => p.Size) + Artifacts.Sum(a => a.Size);

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static RepositoryManifest? Load(string repositoryDirectory)
    {
        var path = Path.Combine(repositoryDirectory, RepositoryLayout.Manifest);
        if (!File.Exists(path)) return null;
        try
        {
            var manifest = JsonSerializer.Deserialize<RepositoryManifest>(File.ReadAllText(path), Options);
            return manifest?.FormatVersion == CurrentFormatVersion ? manifest : null;
        }
        catch (JsonException) { return null; } // an unreadable manifest is rebuilt, not trusted
    }

    public string ToJson() => JsonSerializer.Serialize(this, Options) + "\n";

    public void Save(string repositoryDirectory) =>
        AtomicFile.WriteAllText(Path.Combine(repositoryDirectory, RepositoryLayout.Manifest), ToJson());
}

internal static class AtomicFile
{
    /// <summary>Writes next to the target and renames, so a reader (apt, the server) never sees half a file.</summary>
    public static void WriteAllBytes(string path, byte[] content)
    {
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, content);
        File.Move(temp, path, overwrite: true);
    }

    public static void WriteAllText(string path, string content) => WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(content));
}

internal static class FileHash
{
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}

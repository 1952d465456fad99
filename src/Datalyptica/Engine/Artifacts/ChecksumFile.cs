using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Datalyptica.Contracts;

namespace Datalyptica.Engine.Artifacts;

/// <summary>An upstream checksum file that does not say what the release's digest is. The message names the file and the fix.</summary>
public sealed class ChecksumFileException(string message) : IOException(message);

/// <summary>
/// Reads an upstream checksum file in the format its release declares (<see cref="ChecksumFormat"/>) and hashes files
/// with the algorithm it names. Strict: a file that does not hold exactly one digest of the right length for the
/// release file is refused, never guessed at.
/// </summary>
public static partial class ChecksumFile
{
    public static int HexLength(ChecksumAlgorithm algorithm) => algorithm switch
    {
        ChecksumAlgorithm.Sha1 => 40,
        ChecksumAlgorithm.Sha256 => 64,
        _ => 128,
    };

    public static string Name(ChecksumAlgorithm algorithm) => algorithm switch
    {
        ChecksumAlgorithm.Sha1 => "SHA-1",
        ChecksumAlgorithm.Sha256 => "SHA-256",
        _ => "SHA-512",
    };

    /// <summary>The digest (lowercase hex) <paramref name="content"/> gives for <paramref name="fileName"/>.</summary>
    public static string Parse(string content, ArtifactChecksum checksum, string fileName, string where)
    {
        var length = HexLength(checksum.Algorithm);
        var lines = content.Replace("\r", "").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        string? digest = checksum.Format switch
        {
            ChecksumFormat.Bare => Bare(lines, fileName),
            ChecksumFormat.Sums => Sums(lines, fileName),
            _ => GpgPrintMd(content, fileName),
        };
        if (digest is null)
            throw new ChecksumFileException($"{where}: no {Name(checksum.Algorithm)} for {fileName} in it ({checksum.Format} format expected). " +
                                            "Fix: check it is the checksum file upstream publishes for this release.");
        if (digest.Length != length || !digest.All(char.IsAsciiHexDigit))
            throw new ChecksumFileException($"{where}: '{(digest.Length > 20 ? digest[..20] + "..." : digest)}' is not a {Name(checksum.Algorithm)} ({length} hex digits). " +
                                            "Fix: check it is the checksum file upstream publishes for this release.");
        return digest.ToLowerInvariant();
    }

    // "HEX" or "HEX  NAME" (Maven's .sha1, Grafana's .sha256).
    private static string? Bare(List<string> lines, string fileName)
    {
        if (lines.Count != 1) return null;
        var parts = lines[0].Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 1 || NameOf(parts[1]) == fileName ? parts[0] : null;
    }

    // sha*sum output: "HEX  NAME" / "HEX *NAME", one line per file; a lone "HEX" line for a one-file checksum.
    private static string? Sums(List<string> lines, string fileName)
    {
        if (lines.Count == 1 && !lines[0].Contains(' ')) return lines[0];
        var matches = lines.Select(l => SumsLine().Match(l)).Where(m => m.Success && NameOf(m.Groups[2].Value) == fileName).ToList();
        return matches.Count == 1 ? matches[0].Groups[1].Value : null;
    }

    // gpg --print-md: "NAME: 7A9B 0C1D ...\n      E4F5 ..." (upper case, groups of 4 or 8 over several lines).
    private static string? GpgPrintMd(string content, string fileName)
    {
        var colon = content.IndexOf(':');
        if (colon < 0 || NameOf(content[..colon].Trim()) != fileName) return null;
        return string.Concat(content[(colon + 1)..].Where(c => !char.IsWhiteSpace(c)));
    }

    private static string NameOf(string name) => Path.GetFileName(name.TrimStart('*').Trim());

    [GeneratedRegex(@"^([0-9A-Fa-f]+)\s+\*?(.+)$")] private static partial Regex SumsLine();

    public static async Task<string> HashAsync(string path, ChecksumAlgorithm algorithm, CancellationToken cancellation)
    {
        await using var stream = File.OpenRead(path);
        var bytes = algorithm switch
        {
            ChecksumAlgorithm.Sha1 => await SHA1.HashDataAsync(stream, cancellation),
            ChecksumAlgorithm.Sha256 => await SHA256.HashDataAsync(stream, cancellation),
            _ => await SHA512.HashDataAsync(stream, cancellation),
        };
        return Convert.ToHexStringLower(bytes);
    }
}

using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Datalyptica.Engine.Transport;

/// <summary>What a known_hosts file says about a key a host presented.</summary>
public enum HostKeyStatus
{
    /// <summary>A line for this host holds exactly this key.</summary>
    Trusted,
    /// <summary>No line names this host.</summary>
    Unknown,
    /// <summary>Lines name this host with another key of the same type, or only keys of other types: possible MITM.</summary>
    Changed,
    /// <summary>The key is listed under @revoked.</summary>
    Revoked,
}

/// <summary>The verdict on one presented key, with the key we expected when it changed.</summary>
public sealed record HostKeyVerdict(HostKeyStatus Status, string PresentedFingerprint, string? KnownFingerprint = null, string? KnownAt = null);

/// <summary>One key line of a known_hosts file.</summary>
public sealed record KnownHostEntry(string? Marker, string HostPatterns, string KeyType, byte[] KeyBlob, int LineNumber)
{
    public bool IsHashed => HostPatterns.StartsWith("|1|", StringComparison.Ordinal);

    /// <summary>Does this line name <paramref name="hostToken"/> ("host" or "[host]:port")? Like OpenSSH's match_hostname.</summary>
    public bool Matches(string hostToken)
    {
        if (IsHashed)
        {
            // |1|base64(salt)|base64(HMAC-SHA1(salt, hostToken)), as written by ssh-keygen -H / HashKnownHosts.
            var fields = HostPatterns.Split('|');
            if (fields.Length != 4) return false;
            try
            {
                var salt = Convert.FromBase64String(fields[2]);
                var hash = Convert.FromBase64String(fields[3]);
                return CryptographicOperations.FixedTimeEquals(HMACSHA1.HashData(salt, Encoding.ASCII.GetBytes(hostToken)), hash);
            }
            catch (FormatException) { return false; }
        }

        var matched = false;
        foreach (var raw in HostPatterns.Split(','))
        {
            var negated = raw.StartsWith('!');
            var pattern = negated ? raw[1..] : raw;
            if (!Wildcard(pattern.ToLowerInvariant(), hostToken.ToLowerInvariant())) continue;
            if (negated) return false; // a negated match wins over any positive one
            matched = true;
        }
        return matched;
    }

    // OpenSSH patterns: '*' any run, '?' one character.
    private static bool Wildcard(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t])) { p++; t++; }
            else if (p < pattern.Length && pattern[p] == '*') { star = p++; mark = t; }
            else if (star >= 0) { p = star + 1; t = ++mark; }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}

/// <summary>
/// An OpenSSH known_hosts file: plain and hashed (<c>|1|salt|hash</c>) host fields, <c>[host]:port</c> for
/// ports other than 22, wildcards and negations, the <c>@revoked</c> marker (<c>@cert-authority</c> lines are
/// skipped: host certificates are not supported). Key types ed25519, ecdsa and rsa are compared as key blobs.
/// </summary>
public sealed class KnownHostsFile
{
    // Appends from hosts connecting in parallel must not interleave.
    private static readonly Lock AppendGate = new();

    private KnownHostsFile(string path, IReadOnlyList<KnownHostEntry> entries)
    {
        Path = path;
        Entries = entries;
    }

    public string Path { get; }
    public IReadOnlyList<KnownHostEntry> Entries { get; }

    /// <summary>Reads the file; a missing file is an empty one. Malformed lines are skipped, as OpenSSH does.</summary>
    public static KnownHostsFile Load(string path)
    {
        var entries = new List<KnownHostEntry>();
        if (!File.Exists(path)) return new KnownHostsFile(path, entries);
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            var entry = ParseLine(line, lineNumber);
            if (entry is not null) entries.Add(entry);
        }
        return new KnownHostsFile(path, entries);
    }

    public static KnownHostEntry? ParseLine(string line, int lineNumber)
    {
        var trimmed = line.Trim();
        if (trimmed.Length == 0 || trimmed.StartsWith('#')) return null;
        var fields = trimmed.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        string? marker = null;
        if (fields[0].StartsWith('@'))
        {
            marker = fields[0];
            fields = fields[1..];
        }
        if (fields.Length < 3) return null;
        byte[] blob;
        try { blob = Convert.FromBase64String(fields[2]); }
        catch (FormatException) { return null; }
        if (KeyTypeOf(blob) != fields[1]) return null; // the blob must say what the line says
        return new KnownHostEntry(marker, fields[0], fields[1], blob, lineNumber);
    }

    /// <summary>"host" for port 22, "[host]:port" otherwise, as OpenSSH writes and hashes it.</summary>
    public static string HostToken(string host, int port) => port == 22 ? host : $"[{host}]:{port}";

    /// <summary>Lines that apply to a host (not @cert-authority ones).</summary>
    public IEnumerable<KnownHostEntry> EntriesFor(string host, int port)
    {
        var token = HostToken(host, port);
        return Entries.Where(e => e.Marker != "@cert-authority" && e.Matches(token));
    }

    /// <summary>Key types this file knows for a host, so the client can ask the server for one of them first.</summary>
    public IReadOnlySet<string> KnownKeyTypes(string host, int port) =>
        EntriesFor(host, port).Where(e => e.Marker is null).Select(e => e.KeyType).ToHashSet(StringComparer.Ordinal);

    public HostKeyVerdict Check(string host, int port, byte[] presentedBlob)
    {
        var presented = Fingerprint(presentedBlob);
        var type = KeyTypeOf(presentedBlob);
        var lines = EntriesFor(host, port).ToList();
        if (lines.Any(e => e.Marker == "@revoked" && e.KeyBlob.AsSpan().SequenceEqual(presentedBlob)))
            return new HostKeyVerdict(HostKeyStatus.Revoked, presented);
        var plain = lines.Where(e => e.Marker is null).ToList();
        if (plain.Any(e => e.KeyBlob.AsSpan().SequenceEqual(presentedBlob))) return new HostKeyVerdict(HostKeyStatus.Trusted, presented);
        if (plain.Count == 0) return new HostKeyVerdict(HostKeyStatus.Unknown, presented);
        var expected = plain.FirstOrDefault(e => e.KeyType == type) ?? plain[0];
        return new HostKeyVerdict(HostKeyStatus.Changed, presented, Fingerprint(expected.KeyBlob), $"{Path}:{expected.LineNumber}");
    }

    /// <summary>Appends "host-token key-type base64" (unhashed, like OpenSSH's default), creating the file if needed.</summary>
    public static void Append(string path, string host, int port, byte[] keyBlob)
    {
        var line = $"{HostToken(host, port)} {KeyTypeOf(keyBlob)} {Convert.ToBase64String(keyBlob)}\n";
        lock (AppendGate)
        {
            var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
            if (directory is not null) Directory.CreateDirectory(directory);
            // Keep lines whole: a file that does not end in a newline gets one first.
            var needsNewline = File.Exists(path) && new FileInfo(path).Length > 0 && !File.ReadAllText(path).EndsWith('\n');
            File.AppendAllText(path, (needsNewline ? "\n" : "") + line);
        }
    }

    /// <summary>"SHA256:" + unpadded base64 of the key blob's SHA-256, exactly as ssh-keygen -l prints it.</summary>
    public static string Fingerprint(byte[] keyBlob) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(keyBlob)).TrimEnd('=');

    /// <summary>The key type named inside an SSH public key blob (its first length-prefixed string).</summary>
    public static string KeyTypeOf(byte[] keyBlob)
    {
        if (keyBlob.Length < 4) return "";
        var length = BinaryPrimitives.ReadUInt32BigEndian(keyBlob);
        if (length > 64 || 4 + length > keyBlob.Length) return "";
        return Encoding.ASCII.GetString(keyBlob, 4, (int)length);
    }
}

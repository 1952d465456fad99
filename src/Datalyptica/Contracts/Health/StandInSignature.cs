using System.Text;
using System.Text.Json;

namespace Datalyptica.Contracts.Health;

/// <summary>
/// How a release-faithful stand-in shows itself: the lab installs archives with the real release layout whose entry
/// programs are one generic stand-in program (no release archive can be downloaded there). Its fixed signature:
/// <list type="bullet">
/// <item>every stand-in archive holds an entry named exactly <see cref="ArchiveEntry"/> (the store reads it, docs/ARTIFACTS.md);</item>
/// <item>over HTTP it answers any path with 200, the header <see cref="Header"/> (<c>ARTIFACT VERSION</c>) and a JSON body
/// <c>{"standIn": true, "artifact", "version", "message"}</c>;</item>
/// <item>on a raw TCP protocol it writes the line <c>DATALYPTICA-STAND-IN ARTIFACT VERSION</c> and closes.</item>
/// </list>
/// The probe clients (<see cref="ProbeClients"/>) recognise the answer and throw <see cref="StandInAnsweredException"/>;
/// <see cref="ProbeContext"/> turns it into a <see cref="HealthStatus.StandIn"/> check, never a healthy one.
/// </summary>
public static class StandInSignature
{
    public const string ArchiveEntry = "DATALYPTICA-STAND-IN";
    public const string Header = "X-Datalyptica-Stand-In";
    public const string LinePrefix = ArchiveEntry + " ";
    /// <summary>What verify says of a stand-in (its status, and the start of every detail).</summary>
    public const string Started = "started (stand-in artifact)";

    private static readonly byte[] LineBytes = Encoding.ASCII.GetBytes(LinePrefix);

    /// <summary>"ARTIFACT VERSION" from an HTTP answer's stand-in header or its JSON body; null for any other answer.</summary>
    public static string? FromHttp(string? header, string body)
    {
        if (!string.IsNullOrWhiteSpace(header)) return Clean(header);
        if (!body.AsSpan().TrimStart().StartsWith("{") || !body.Contains("\"standIn\"", StringComparison.Ordinal)) return null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("standIn", out var flag) && flag.ValueKind == JsonValueKind.True
                ? Clean($"{ProbeKit.Text(root, "artifact") ?? "?"} {ProbeKit.Text(root, "version") ?? "?"}")
                : null;
        }
        catch (JsonException) { return null; }
    }

    /// <summary>"ARTIFACT VERSION" when <paramref name="text"/> starts with the stand-in's line; null otherwise.</summary>
    public static string? FromLine(string text) =>
        text.StartsWith(LinePrefix, StringComparison.Ordinal) ? Clean(text[LinePrefix.Length..].Split('\n')[0]) : null;

    /// <summary>
    /// For binary protocols: <paramref name="start"/> is what the client read first (Kafka's 4-byte frame size). When it
    /// is the start of the stand-in's line, reads the rest of the line (at most 256 bytes, or to the end of the
    /// connection) and throws <see cref="StandInAnsweredException"/>; otherwise returns and the client goes on.
    /// </summary>
    public static async Task ThrowIfLineAsync(Stream stream, byte[] start, string asked, CancellationToken cancellation)
    {
        var n = Math.Min(start.Length, LineBytes.Length);
        if (n == 0 || !start.AsSpan(0, n).SequenceEqual(LineBytes.AsSpan(0, n))) return;
        var line = new List<byte>(start);
        var one = new byte[1];
        while (line.Count < 256 && line[^1] != (byte)'\n' && await stream.ReadAsync(one, cancellation) == 1) line.Add(one[0]);
        if (FromLine(Encoding.UTF8.GetString([.. line])) is { } who) throw new StandInAnsweredException(who, asked);
    }

    /// <summary>The detail of a stand-in's check: "started (stand-in artifact): kafka 3.9.0 answered GET /v1/info".</summary>
    public static string Detail(string who, string asked) => $"{Started}: {who} answered {asked}";

    // What the stand-in says goes into verify's table: one line, bounded.
    private static string Clean(string text) => ProbeKit.Short(text.Trim(), 80);
}

/// <summary>A probe was answered by a stand-in (<see cref="StandInSignature"/>); <see cref="ProbeContext"/> reports it as <see cref="HealthStatus.StandIn"/>.</summary>
public sealed class StandInAnsweredException(string who, string asked) : Exception(StandInSignature.Detail(who, asked))
{
    /// <summary>"ARTIFACT VERSION" as the stand-in said it.</summary>
    public string Who { get; } = who;
    /// <summary>What the probe asked ("GET /v1/info").</summary>
    public string Asked { get; } = asked;
}

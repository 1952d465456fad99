using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Datalyptica.Secrets;

/// <summary>
/// Replaces every occurrence of known secret values in arbitrary text (stderr of remote commands,
/// exception messages, log lines) with <c>***</c>. Thread-safe; secrets can be added at any time.
/// </summary>
/// <remarks>
/// Besides the raw value it also masks the JSON-escaped form and, for multi-line values, each line
/// on its own (tools often echo such values line by line). Overlapping and adjacent matches are
/// merged into a single mask so no fragment of either secret survives.
/// </remarks>
public sealed class SecretMasker
{
    private readonly object _gate = new();
    private string[] _patterns = [];

    public SecretMasker(params IEnumerable<Secret> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        foreach (var secret in secrets) Add(secret);
    }

    /// <summary>Registers one more secret to mask. Empty secrets are ignored.</summary>
    public void Add(Secret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var value = secret.Reveal();
        if (value.Length == 0) return;

        var candidates = new List<string> { value };
        // As System.Text.Json writes it by default (\u0022) and as most other JSON writers do (\").
        candidates.Add(JsonEncodedText.Encode(value).ToString());
        candidates.Add(JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString());
        if (value.Contains('\n') || value.Contains('\r'))
        {
            foreach (var line in value.Split('\n'))
            {
                var trimmed = line.TrimEnd('\r');
                if (!string.IsNullOrWhiteSpace(trimmed)) candidates.Add(trimmed);
            }
        }

        lock (_gate)
        {
            var set = new HashSet<string>(_patterns, StringComparer.Ordinal);
            set.UnionWith(candidates);
            // Longest first is not needed for correctness (runs are merged) but keeps scans short.
            _patterns = set.OrderByDescending(p => p.Length).ToArray();
        }
    }

    /// <summary>Returns <paramref name="text"/> with every secret occurrence replaced by <c>***</c>.</summary>
    public string Mask(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? string.Empty;
        var patterns = Volatile.Read(ref _patterns);
        if (patterns.Length == 0) return text;

        bool[]? masked = null;
        foreach (var pattern in patterns)
        {
            var start = 0;
            while (start <= text.Length - pattern.Length)
            {
                var at = text.IndexOf(pattern, start, StringComparison.Ordinal);
                if (at < 0) break;
                masked ??= new bool[text.Length];
                Array.Fill(masked, true, at, pattern.Length);
                start = at + 1; // overlapping occurrences too
            }
        }
        if (masked is null) return text;

        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (!masked[i]) { sb.Append(text[i]); continue; }
            sb.Append(Secret.Mask);
            while (i + 1 < text.Length && masked[i + 1]) i++;
        }
        return sb.ToString();
    }
}

using System.Runtime.CompilerServices;

namespace Datalyptica.Contracts.Formats;

/// <summary>
/// keepalived.conf words. keepalived (lib/parser.c, read_line/decomment/alloc_strvec_r; keepalived.conf(5)) reads
/// lines of at most MAXBUF (1024) bytes, cuts comments at an unquoted '!' or '#', expands "$NAME" anywhere in the line
/// (its built-in $_PWD, $_INSTANCE and $_RANDOM always exist), treats '{' and '}' as words of their own and a line
/// starting '@' or '~' specially, and keeps "..." as one word up to the next '"' with no escapes at all.
/// So there is no way to write '"', '\', '$' or a line break inside a value: <see cref="Quote"/> refuses them.
/// </summary>
public static class KeepalivedConf
{
    /// <summary>Longest value written: the whole line must stay under keepalived's 1024-byte line buffer.</summary>
    public const int MaxLength = 256;

    /// <summary>
    /// The value as one keepalived.conf word: a plain word (printable ASCII without quotes, backslash, '$', '!', '#',
    /// braces, and not starting '@' or '~') as it is, other text in double quotes; what no quoting carries is refused.
    /// </summary>
    public static string Quote(string value, [CallerArgumentExpression(nameof(value))] string? key = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        FormatGuard.WellFormed("keepalived.conf", value, key);
        if (value.Length > MaxLength)
            throw FormatGuard.Refuse("keepalived.conf", key, value, $"is longer than {MaxLength} characters (keepalived cuts lines at 1024 bytes)");
        foreach (var c in value)
        {
            if (c < ' ' || c == '\x7f')
                throw FormatGuard.Refuse("keepalived.conf", key, value, $"holds {FormatGuard.Name(c)}, which keepalived.conf cannot quote");
            if (c is '"' or '\\' or '$')
                throw FormatGuard.Refuse("keepalived.conf", key, value, $"holds '{c}', which keepalived.conf cannot quote (no escapes; '$' expands a definition)");
        }
        return IsPlain(value) ? value : $"\"{value}\"";
    }

    private static bool IsPlain(string value)
    {
        if (value.Length == 0 || value[0] is '@' or '~') return false;
        foreach (var c in value)
            if (c is <= ' ' or >= '\x7f' or '\'' or '!' or '#' or '{' or '}') return false;
        return true;
    }

    /// <summary>
    /// Splits one keepalived.conf line into words as decomment and alloc_strvec_r do (for tests): comment cut at an
    /// unquoted '!' or '#', "..." kept whole without escapes; null on an unterminated quote.
    /// </summary>
    public static IReadOnlyList<string>? SplitWords(string line)
    {
        var words = new List<string>();
        var i = 0;
        while (true)
        {
            while (i < line.Length && line[i] is ' ' or '\t' or '\f' or '\v' or '\r' or '\n') i++;
            if (i >= line.Length || line[i] is '!' or '#') return words;
            if (line[i] == '"')
            {
                var close = line.IndexOf('"', i + 1);
                if (close < 0) return null;
                words.Add(line[(i + 1)..close]);
                i = close + 1;
                continue;
            }
            var start = i;
            while (i < line.Length && line[i] is not (' ' or '\t' or '\f' or '\v' or '\r' or '\n' or '"' or '!' or '#')) i++;
            words.Add(line[start..i]);
        }
    }
}

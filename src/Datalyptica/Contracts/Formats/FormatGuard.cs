using System.Text;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Datalyptica.Contracts.Formats;

/// <summary>
/// Checks the config writers share: a value that no quoting of the target format can carry is refused with an
/// <see cref="ArgumentException"/> that names it, never written. Validation keeps such values out first; this is the
/// second line, so a validation gap cannot add a directive to a file.
/// </summary>
public static class FormatGuard
{
    /// <summary>
    /// Text for a '#' comment line: anything that ends a line (LF, CR, NUL, other C0 controls but tab, NEL and the
    /// Unicode line/paragraph separators) is refused, so the text cannot start a directive of its own.
    /// </summary>
    public static string Comment(string value, [CallerArgumentExpression(nameof(value))] string? key = null)
    {
        WellFormed("comment", value, key);
        foreach (var c in value)
            if ((c < 0x20 && c != '\t') || c is '\x7f' or '\u0085' or '\u2028' or '\u2029')
                throw Refuse("comment", key, value, $"holds {Name(c)}, which would end the comment line");
        return value;
    }

    /// <summary>Refuses unpaired UTF-16 surrogates: they have no UTF-8 form, so the file would hold U+FFFD instead of the value.</summary>
    internal static void WellFormed(string format, string value, string? key)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) { i++; continue; }
            if (char.IsSurrogate(value[i])) throw Refuse(format, key, value, "holds an unpaired UTF-16 surrogate");
        }
    }

    /// <summary>
    /// <paramref name="value"/> in double quotes, as the C-style quoting of redis.conf and haproxy.cfg reads it: each UTF-8
    /// byte that <paramref name="escape"/> names becomes its escape, other printable ASCII stays, every other byte is \xHH.
    /// </summary>
    internal static string DoubleQuoted(string value, Func<byte, string?> escape)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (escape(b) is { } escaped) sb.Append(escaped);
            else if (b is >= 0x20 and < 0x7f) sb.Append((char)b);
            else sb.Append(@"\x").Append(b.ToString("x2"));
        }
        return sb.Append('"').ToString();
    }

    internal static ArgumentException Refuse(string format, string? key, string value, string why) =>
        new($"{format}: {key ?? "a value"} = {Show(value)} {why}; refused rather than written", key);

    internal static string Name(char c) => c switch
    {
        '\n' => "a newline", '\r' => "a carriage return", '\0' => "a NUL", '\t' => "a tab", ' ' => "a space",
        _ => $"U+{(int)c:X4}",
    };

    private static string Show(string v) => v.Length > 60 ? $"({v.Length:N0} characters)" : JsonSerializer.Serialize(v);
}

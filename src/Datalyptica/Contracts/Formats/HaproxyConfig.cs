using System.Runtime.CompilerServices;
using System.Text;

namespace Datalyptica.Contracts.Formats;

/// <summary>
/// haproxy.cfg words. HAProxy 2.x splits each line into words itself (HAProxy configuration manual, section 2.2
/// "Quoting and escaping"; src/tools.c parse_line): spaces separate words, an unquoted '#' starts a comment, '\'
/// escapes, '...' is strong quoting and "..." weak quoting, where \" \\ \$ \n \r \t \xNN are decoded and "${VAR}"
/// expands from the environment. <see cref="Quote"/> writes every value as exactly one word with the same bytes.
/// </summary>
public static class HaproxyConfig
{
    /// <summary>
    /// The value as one haproxy.cfg word: a plain word (printable ASCII without quotes, backslash, '#' or '$') as it
    /// is, anything else in double quotes with '"', '\' and '$' escaped and every byte outside printable ASCII as \xNN
    /// (UTF-8). NUL is refused: HAProxy keeps words as C strings, so the value would end there.
    /// </summary>
    public static string Quote(string value, [CallerArgumentExpression(nameof(value))] string? key = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        FormatGuard.WellFormed("haproxy.cfg", value, key);
        if (value.Contains('\0')) throw FormatGuard.Refuse("haproxy.cfg", key, value, "holds a NUL, which no haproxy.cfg quoting carries");
        if (IsPlain(value)) return value;
        return FormatGuard.DoubleQuoted(value, b => b switch { (byte)'"' => "\\\"", (byte)'\\' => @"\\", (byte)'$' => @"\$", _ => null });
    }

    private static bool IsPlain(string value)
    {
        if (value.Length == 0) return false;
        foreach (var c in value)
            if (c is <= ' ' or >= '\x7f' or '"' or '\'' or '\\' or '#' or '$') return false;
        return true;
    }

    /// <summary>
    /// Splits one haproxy.cfg line into words as the manual's quoting rules do (for tests); null on an unterminated
    /// quote or a bad escape. Environment variables are not expanded: a "$" that reaches a word unescaped comes back
    /// as "\u0001$" so a test sees it.
    /// </summary>
    public static IReadOnlyList<string>? SplitWords(string line)
    {
        var words = new List<string>();
        var bytes = new List<byte>();
        var inWord = false;
        var quote = '\0';
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote == '\'')
            {
                if (c == '\'') quote = '\0'; else Add(c);
                continue;
            }
            if (c == '\\')
            {
                if (++i >= line.Length) return null;
                var e = line[i];
                switch (e)
                {
                    case 'n': bytes.Add((byte)'\n'); break;
                    case 'r': bytes.Add((byte)'\r'); break;
                    case 't': bytes.Add((byte)'\t'); break;
                    case 'x':
                        if (i + 2 >= line.Length || !Uri.IsHexDigit(line[i + 1]) || !Uri.IsHexDigit(line[i + 2])) return null;
                        bytes.Add(Convert.ToByte(line.Substring(i + 1, 2), 16));
                        i += 2;
                        break;
                    case '\\' or ' ' or '#' or '"' or '\'' or '$': Add(e); break;
                    // "Other combinations left unchanged (eg: \1)" (src/tools.c parse_line): replace-path's /\2 and a
                    // regex's \s reach HAProxy with their backslash.
                    default: Add('\\'); Add(e); break;
                }
                inWord = true;
                continue;
            }
            if (quote == '"')
            {
                if (c == '"') quote = '\0';
                else if (c == '$') { bytes.Add(1); Add('$'); }
                else Add(c);
                continue;
            }
            if (c is ' ' or '\t')
            {
                if (inWord) Flush();
                continue;
            }
            if (c == '#') break;
            if (c is '"' or '\'') { quote = c; inWord = true; continue; }
            Add(c);
            inWord = true;
        }
        if (quote != '\0') return null;
        if (inWord) Flush();
        return words;

        void Add(char ch) => bytes.AddRange(Encoding.UTF8.GetBytes(ch.ToString()));
        void Flush()
        {
            words.Add(Encoding.UTF8.GetString(bytes.ToArray()));
            bytes.Clear();
            inWord = false;
        }
    }
}

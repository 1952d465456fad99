using System.Globalization;
using System.Text;

namespace Datalyptica.Contracts.Formats;

/// <summary>Writes and reads java.util.Properties text (Kafka, Trino, Schema Registry, Spark, ZooKeeper).</summary>
public static class JavaProperties
{
    /// <summary>One "key=value" line per entry, in the given order, escaped as Properties.store does.</summary>
    public static string Write(IEnumerable<KeyValuePair<string, object?>> entries, string? header = null)
    {
        var sb = new StringBuilder();
        if (header is not null)
            foreach (var line in header.Split('\n')) sb.Append("# ").Append(line).Append('\n');
        foreach (var (key, value) in entries)
        {
            if (value is null) continue;
            sb.Append(Escape(key, isKey: true)).Append('=').Append(Escape(Format(value), isKey: false)).Append('\n');
        }
        return sb.ToString();
    }

    public static string Format(object value) => value switch
    {
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Escape(string s, bool isKey)
    {
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                case '=' or ':' when isKey: sb.Append('\\').Append(c); break;
                case ' ' when isKey || i == 0: sb.Append(@"\ "); break;
                case '#' or '!' when i == 0: sb.Append('\\').Append(c); break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }

    /// <summary>Parses Properties text back (for tests and cross-reference checks): comments, continuations, escapes, '=' ':' or space separators.</summary>
    public static IReadOnlyDictionary<string, string> Parse(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimStart(' ', '\t', '\f');
            if (line.Length == 0 || line[0] is '#' or '!') continue;
            while (EndsWithContinuation(line) && i + 1 < lines.Length)
                line = line[..^1] + lines[++i].TrimStart(' ', '\t', '\f');
            var (key, rest) = SplitKey(line);
            result[Unescape(key)] = Unescape(rest);
        }
        return result;
    }

    private static bool EndsWithContinuation(string line)
    {
        var backslashes = 0;
        for (var j = line.Length - 1; j >= 0 && line[j] == '\\'; j--) backslashes++;
        return backslashes % 2 == 1;
    }

    private static (string Key, string Value) SplitKey(string line)
    {
        var i = 0;
        for (; i < line.Length; i++)
        {
            if (line[i] == '\\') { i++; continue; }
            if (line[i] is '=' or ':' or ' ' or '\t' or '\f') break;
        }
        var key = line[..Math.Min(i, line.Length)];
        var j = i;
        while (j < line.Length && line[j] is ' ' or '\t' or '\f') j++;
        if (j < line.Length && line[j] is '=' or ':') j++;
        while (j < line.Length && line[j] is ' ' or '\t' or '\f') j++;
        return (key, j < line.Length ? line[j..] : "");
    }

    private static string Unescape(string s)
    {
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] != '\\' || i + 1 == s.Length) { sb.Append(s[i]); continue; }
            var c = s[++i];
            switch (c)
            {
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'f': sb.Append('\f'); break;
                case 'u' when i + 4 < s.Length:
                    sb.Append((char)int.Parse(s.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 4;
                    break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }
}

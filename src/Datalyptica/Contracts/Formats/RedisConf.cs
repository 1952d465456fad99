using System.Runtime.CompilerServices;
using System.Text;

namespace Datalyptica.Contracts.Formats;

/// <summary>
/// redis.conf and sentinel.conf arguments. Redis reads the file line by line (split on '\n', trimmed) and splits each
/// line into arguments with sdssplitargs (redis src/sds.c): an unquoted argument ends at a space, tab, CR, LF or NUL and
/// a '"' or '\'' inside it starts a quoted part; inside double quotes \" \\ \n \r \t \b \a and \xHH escapes are decoded
/// and the closing quote must be followed by a space or the end of the line. <see cref="Quote"/> writes every value as
/// exactly one argument, so a newline in a setting cannot add a directive (`slaveof 6.6.6.6 6379`).
/// </summary>
public static class RedisConf
{
    /// <summary>
    /// The value as one redis.conf argument: a plain word (printable ASCII, no quote or backslash) as it is, anything
    /// else in double quotes with every byte outside printable ASCII as \xHH (UTF-8), so the file stays one line per
    /// directive and ASCII.
    /// </summary>
    public static string Quote(string value, [CallerArgumentExpression(nameof(value))] string? key = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        FormatGuard.WellFormed("redis.conf", value, key);
        if (IsPlain(value)) return value;
        return FormatGuard.DoubleQuoted(value, b => b switch
        {
            (byte)'"' => "\\\"", (byte)'\\' => @"\\", (byte)'\n' => @"\n", (byte)'\r' => @"\r", (byte)'\t' => @"\t", _ => null,
        });
    }

    private static bool IsPlain(string value)
    {
        if (value.Length == 0) return false;
        foreach (var c in value)
            if (c is <= ' ' or >= '\x7f' or '"' or '\'' or '\\') return false;
        return true;
    }

    /// <summary>
    /// Splits one redis.conf line into arguments as sdssplitargs does (for tests and checks); null where Redis reports
    /// "unbalanced quotes". Bytes come back as Latin-1 chars; <see cref="Decode"/> turns them into the UTF-8 text.
    /// </summary>
    public static IReadOnlyList<string>? SplitArgs(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        var args = new List<string>();
        var p = 0;
        while (true)
        {
            while (p < bytes.Length && bytes[p] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0b or 0x0c) p++;
            if (p >= bytes.Length) return args;
            var current = new List<byte>();
            bool inq = false, insq = false, done = false;
            while (!done)
            {
                var c = p < bytes.Length ? bytes[p] : (byte)0;
                var end = p >= bytes.Length;
                if (inq)
                {
                    if (c == '\\' && p + 3 < bytes.Length && bytes[p + 1] == 'x' && IsHex(bytes[p + 2]) && IsHex(bytes[p + 3]))
                    {
                        current.Add(Convert.ToByte(Encoding.ASCII.GetString(bytes, p + 2, 2), 16));
                        p += 3;
                    }
                    else if (c == '\\' && p + 1 < bytes.Length)
                    {
                        p++;
                        current.Add(bytes[p] switch { (byte)'n' => (byte)'\n', (byte)'r' => (byte)'\r', (byte)'t' => (byte)'\t', (byte)'b' => 8, (byte)'a' => 7, var o => o });
                    }
                    else if (c == '"')
                    {
                        if (p + 1 < bytes.Length && !IsSpace(bytes[p + 1])) return null;
                        done = true;
                    }
                    else if (end) return null;
                    else current.Add(c);
                }
                else if (insq)
                {
                    if (c == '\\' && p + 1 < bytes.Length && bytes[p + 1] == '\'') { p++; current.Add((byte)'\''); }
                    else if (c == '\'')
                    {
                        if (p + 1 < bytes.Length && !IsSpace(bytes[p + 1])) return null;
                        done = true;
                    }
                    else if (end) return null;
                    else current.Add(c);
                }
                else if (end || c is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or 0) done = true;
                else if (c == '"') inq = true;
                else if (c == '\'') insq = true;
                else current.Add(c);
                if (p < bytes.Length) p++;
            }
            args.Add(Encoding.Latin1.GetString(current.ToArray()));
        }
    }

    /// <summary>The UTF-8 text of an argument <see cref="SplitArgs"/> returned.</summary>
    public static string Decode(string latin1) => Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(latin1));

    private static bool IsHex(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';
    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0b or 0x0c;
}

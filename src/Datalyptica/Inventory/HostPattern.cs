using System.Globalization;

namespace Datalyptica.Inventory;

/// <summary>
/// Expands an inventory host key like <c>kafka[01:11]</c>, <c>db-[a:f]</c>, <c>node[1:10:2]</c> or
/// <c>web01:2222</c> exactly as Ansible's expand_hostname_range / _expand_hostpattern do.
/// </summary>
internal static class HostPattern
{
    private const string AsciiLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    public sealed record Expansion(IReadOnlyList<string> HostNames, int? Port);

    /// <summary>A range refused before it is expanded: reversed, or more names than allowed (a resource bomb, issue 13).</summary>
    public sealed class RangeRefusedException(string message, bool reversed) : FormatException(message)
    {
        public bool Reversed { get; } = reversed;
    }

    /// <summary>Throws <see cref="FormatException"/> with a user-facing explanation when the pattern is invalid.</summary>
    /// <param name="maxHosts">The most names the pattern may expand to (nested ranges multiply); checked before any is made.</param>
    public static Expansion Expand(string pattern, int maxHosts = int.MaxValue)
    {
        var (name, port) = SplitPort(pattern);
        var hosts = name.Contains('[') ? ExpandRanges(name, maxHosts) : [name];
        return new Expansion(hosts, port);
    }

    /// <summary>
    /// "host:22" and "web[01:03]:22" carry a port. Several colons outside brackets (an IPv6 address) mean no port,
    /// as Ansible's parse_address decides for unbracketed IPv6.
    /// </summary>
    private static (string Name, int? Port) SplitPort(string pattern)
    {
        var depth = 0;
        var colons = new List<int>();
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '[') depth++;
            else if (pattern[i] == ']') depth--;
            else if (pattern[i] == ':' && depth == 0) colons.Add(i);
        }
        if (colons.Count != 1) return (pattern, null);
        var portText = pattern[(colons[0] + 1)..];
        if (portText.Length == 0 || !portText.All(char.IsAsciiDigit)) return (pattern, null);
        return (pattern[..colons[0]], int.Parse(portText, CultureInfo.InvariantCulture));
    }

    private static List<string> ExpandRanges(string line, int maxHosts)
    {
        var open = line.IndexOf('[');
        var close = line.IndexOf(']', open + 1);
        if (close < 0) throw new FormatException($"host range in '{line}' has '[' without a closing ']'. Write it as name[begin:end] or name[begin:end:step].");
        var head = line[..open];
        var range = line[(open + 1)..close];
        var tail = line[(close + 1)..];

        var bounds = range.Split(':');
        if (bounds.Length is not (2 or 3))
            throw new FormatException($"host range '[{range}]' in '{line}' must be [begin:end] or [begin:end:step].");
        var begin = bounds[0].Length == 0 ? "0" : bounds[0];
        var end = bounds[1];
        if (end.Length == 0) throw new FormatException($"host range '[{range}]' in '{line}' has no end value. Write it as [begin:end].");
        var stepText = bounds.Length == 3 ? bounds[2] : "1";
        if (!int.TryParse(stepText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var step) || step <= 0)
            throw new FormatException($"host range '[{range}]' in '{line}' has step '{stepText}'; the step must be a positive whole number.");

        var letterBegin = AsciiLetters.IndexOf(begin, StringComparison.Ordinal);
        var letterEnd = AsciiLetters.IndexOf(end, StringComparison.Ordinal);
        var numeric = begin.All(char.IsAsciiDigit) && end.All(char.IsAsciiDigit);
        if (!numeric && !(letterBegin >= 0 && letterEnd >= 0))
            throw new FormatException($"host range '[{range}]' in '{line}' must use two numbers (e.g. [01:11]) or two letters (e.g. [a:f]).");

        // A leading zero asks for zero padding to the width of begin, and then end must have the same width.
        Func<string, string> fill = s => s;
        if (begin[0] == '0' && begin.Length > 1)
        {
            if (begin.Length != end.Length)
                throw new FormatException($"host range '[{range}]' in '{line}' is zero-padded, so begin and end need the same number of digits (e.g. [01:11]).");
            var width = begin.Length;
            fill = s => s.PadLeft(width, '0');
        }

        var sequence = new List<string>();
        if (!numeric)
        {
            if (letterBegin > letterEnd) throw Reversed(range, line);
            for (var i = letterBegin; i <= letterEnd; i += step) sequence.Add(AsciiLetters[i].ToString());
        }
        else
        {
            if (!long.TryParse(begin, NumberStyles.None, CultureInfo.InvariantCulture, out var from) ||
                !long.TryParse(end, NumberStyles.None, CultureInfo.InvariantCulture, out var to))
                throw new FormatException($"host range '[{range}]' in '{line}' must use two numbers (e.g. [01:11]) or two letters (e.g. [a:f]).");
            // Ansible expands a reversed number range to no hosts at all (expand_hostname_range uses range(begin, end + 1)),
            // which hides the mistake; a reversed letter range is an error there, and both are here.
            if (from > to) throw Reversed(range, line);
            if ((to - from) / step + 1 > maxHosts) throw TooMany(range, line, maxHosts);
            for (var i = from; i <= to; i += step) sequence.Add(fill(i.ToString(CultureInfo.InvariantCulture)));
        }

        var hosts = new List<string>();
        foreach (var item in sequence)
        {
            var name = head + item + tail;
            if (name.Contains('[')) hosts.AddRange(ExpandRanges(name, maxHosts - hosts.Count));
            else hosts.Add(name);
            if (hosts.Count > maxHosts) throw TooMany(range, line, maxHosts);
        }
        return hosts;
    }

    private static RangeRefusedException Reversed(string range, string line) =>
        new($"host range '[{range}]' in '{line}' must have begin <= end (it would expand to no hosts). Swap the two bounds.", reversed: true);

    private static RangeRefusedException TooMany(string range, string line, int maxHosts) =>
        new($"host range '[{range}]' in '{line}' expands to more than {maxHosts.ToString("N0", CultureInfo.InvariantCulture)} hosts, the most one pattern (and one inventory) may hold; nothing was expanded. " +
            "Check the bounds (a digit too many?), or split the estate into several sites.", reversed: false);
}

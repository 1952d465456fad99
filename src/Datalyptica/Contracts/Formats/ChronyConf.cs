using System.Runtime.CompilerServices;

namespace Datalyptica.Contracts.Formats;

/// <summary>
/// chrony.conf arguments. chronyd (chrony conf.c, CNF_ParseLine; chrony.conf(5)) splits a directive's line on
/// whitespace and has no quoting or escapes; a line starting '!', ';', '#' or '%' is a comment and lines are read
/// into a fixed buffer. A value that is not one plain word cannot be written, so <see cref="Word"/> refuses it.
/// </summary>
public static class ChronyConf
{
    /// <summary>Longest word written (a DNS name is at most 253 characters); the line stays far below chronyd's buffer.</summary>
    public const int MaxLength = 255;

    /// <summary>The value as one chrony.conf word: printable ASCII without spaces or quotes, not starting a comment; anything else is refused.</summary>
    public static string Word(string value, [CallerArgumentExpression(nameof(value))] string? key = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        FormatGuard.WellFormed("chrony.conf", value, key);
        if (value.Length == 0) throw FormatGuard.Refuse("chrony.conf", key, value, "is empty");
        if (value.Length > MaxLength) throw FormatGuard.Refuse("chrony.conf", key, value, $"is longer than {MaxLength} characters");
        foreach (var c in value)
            if (c is <= ' ' or >= '\x7f' or '"' or '\'' or '\\')
                throw FormatGuard.Refuse("chrony.conf", key, value,
                    $"holds {(c > ' ' && c < '\x7f' ? $"'{c}'" : FormatGuard.Name(c))}: chrony.conf has no quoting, values are single words of printable ASCII");
        if (value[0] is '!' or ';' or '#' or '%')
            throw FormatGuard.Refuse("chrony.conf", key, value, "starts with a chrony comment character");
        return value;
    }
}

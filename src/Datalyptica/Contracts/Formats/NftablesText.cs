using System.Net;
using System.Runtime.CompilerServices;

namespace Datalyptica.Contracts.Formats;

/// <summary>
/// nftables ruleset text (nft -f). nft's scanner (nftables src/scanner.l) reads a quoted string as "[^"]*": there is
/// no escape, so '"' cannot appear inside one; names (tables, sets, chains) are bare identifiers; set elements here
/// are addresses and networks. Each helper writes its kind of value or refuses it, so a value can never end a string
/// early or add a statement.
/// </summary>
public static class NftablesText
{
    /// <summary>
    /// The value as an nft quoted string ("...", for comments and interface names). A '"', a line break or another
    /// control character has no representation and is refused.
    /// </summary>
    public static string Quote(string value, [CallerArgumentExpression(nameof(value))] string? key = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        FormatGuard.WellFormed("nftables", value, key);
        foreach (var c in value)
        {
            if (c < ' ' || c is '\x7f' or '\u0085' or '\u2028' or '\u2029')
                throw FormatGuard.Refuse("nftables", key, value, $"holds {FormatGuard.Name(c)}, which an nft string cannot carry");
            if (c == '"') throw FormatGuard.Refuse("nftables", key, value, "holds '\"', which an nft string cannot carry (no escapes)");
        }
        return $"\"{value}\"";
    }

    /// <summary>A set, chain or table name: letters, digits and '_' (a subset of nft's identifiers), starting with a letter or '_'.</summary>
    public static string Identifier(string value, [CallerArgumentExpression(nameof(value))] string? key = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        var ok = value.Length is > 0 and <= 64 && (char.IsAsciiLetter(value[0]) || value[0] == '_')
                 && value.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
        return ok ? value : throw FormatGuard.Refuse("nftables", key, value, "is not an nft identifier (letters, digits and '_')");
    }

    /// <summary>An address or network as a set element ("10.0.0.0/8", "2001:db8::/32"), written as given once it parses as one.</summary>
    public static string Address(string value, [CallerArgumentExpression(nameof(value))] string? key = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        var slash = value.IndexOf('/');
        var address = slash < 0 ? value : value[..slash];
        var ok = value.Length is > 0 and <= 64 && value.All(c => char.IsAsciiHexDigit(c) || c is '.' or ':' or '/')
                 && IPAddress.TryParse(address, out var ip)
                 && (slash < 0 || (int.TryParse(value.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out var prefix)
                                   && prefix <= (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)));
        return ok ? value : throw FormatGuard.Refuse("nftables", key, value, "is not an IP address or network");
    }
}

using System.Net;
using System.Text.RegularExpressions;

namespace Datalyptica.Contracts;

/// <summary>Value shapes several components' settings share, each with the words the error messages use.</summary>
public static partial class SettingPatterns
{
    /// <summary>A PostgreSQL identifier we never need to quote: lower case, digits, underscore, at most 63 bytes (NAMEDATALEN - 1).</summary>
    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    public static partial Regex SqlName { get; }
    public const string SqlNameText = "a lower-case SQL name (a-z, 0-9, _; at most 63)";

    /// <summary>A name safe in a file name, a URL path and a shell word: letters, digits, dot, dash, underscore.</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    public static partial Regex Token { get; }
    public const string TokenText = "a name of letters, digits, '.', '-' and '_' (at most 64)";

    /// <summary>A Prometheus-style duration (Prometheus and Loki take the same syntax): 30d, 744h, 1h30m.</summary>
    [GeneratedRegex("^([0-9]+(ms|s|m|h|d|w|y))+$")]
    public static partial Regex Duration { get; }
    public const string DurationText = "a duration such as 30d, 744h or 1h30m";

    /// <summary>
    /// An http(s) URL of a host, an optional port, a path and an optional query without '&amp;': RFC 3986's unreserved
    /// characters and the few delimiters such URLs use. No character a shell, an apt source line or a config file would
    /// read as syntax (space, quote, backslash, $, `, ;, &amp;, |, parentheses, #).
    /// </summary>
    [GeneratedRegex(@"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%/+=@:,-]*)?(\?[A-Za-z0-9._~%/+=@:,-]*)?$")]
    public static partial Regex Url { get; }
    public const string UrlText = "an http:// or https:// URL (host, port, path; no spaces, quotes or shell characters)";

    [GeneratedRegex(@"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+$")]
    public static partial Regex Email { get; }
    public const string EmailText = "an e-mail address (letters, digits, '.', '_', '%', '+', '-' before the @)";

    [GeneratedRegex(@"^[A-Za-z0-9.-]+:[0-9]{1,5}$")]
    public static partial Regex HostPort { get; }
    public const string HostPortText = "host:port";

    /// <summary>An S3 bucket name (AWS's naming rules, the subset every S3-compatible store accepts).</summary>
    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    public static partial Regex BucketName { get; }
    public const string BucketNameText = "an S3 bucket name (3-63 of a-z, 0-9, '.', '-')";

    [GeneratedRegex(@"^/[A-Za-z0-9._/+-]+$")]
    public static partial Regex AbsolutePath { get; }
    public const string AbsolutePathText = "an absolute path (letters, digits, '.', '_', '-', '+', '/')";

    /// <summary>A release number: 1 to 4 dot-separated numbers, then an optional suffix (3.5.16, 24.12.2.59, 469, 2.9-rc1).</summary>
    [GeneratedRegex(@"^[0-9]+(\.[0-9]+){0,3}([-+~][0-9A-Za-z.+~-]+)?$")]
    public static partial Regex ReleaseVersion { get; }

    /// <summary>A Debian package name (Debian Policy 5.6.1: lower case, digits, '+', '-', '.'; at least two characters).</summary>
    [GeneratedRegex(@"^[a-z0-9][a-z0-9+.-]{1,99}$")]
    public static partial Regex DebianPackage { get; }
    public const string DebianPackageText = "a Debian package name (a-z, 0-9, '+', '-', '.')";

    /// <summary>
    /// A Debian version (Debian Policy 5.6.12: [epoch:]upstream[-revision], upstream starting with a digit; letters, digits,
    /// '.', '+', '~', '-'). No character a shell or an apt argument would read as syntax.
    /// </summary>
    [GeneratedRegex(@"^([0-9]{1,9}:)?[0-9][A-Za-z0-9.+~-]{0,126}$")]
    public static partial Regex DebianVersion { get; }
    public const string DebianVersionText = "a Debian version such as 15.20-0+deb12u1 or 5:7.0.15-1~deb12u10";

    public static bool IsNetwork(string text) => IPNetwork.TryParse(text, out _) || IPAddress.TryParse(text, out _);
    public const string NetworkText = "IP networks (CIDR)";

    /// <summary>A DNS name or an IP address (chrony servers).</summary>
    public static bool IsHostName(string text) => IPAddress.TryParse(text, out _) || DnsName().IsMatch(text);

    [GeneratedRegex(@"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")]
    private static partial Regex DnsName();
    public const string HostNameText = "host names or IP addresses";
}

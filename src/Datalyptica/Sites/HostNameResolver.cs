using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Datalyptica.Sites;

/// <summary>
/// Turns the DNS names an Ansible inventory gives as <c>ansible_host</c> (or as the host's own name) into the IPv4
/// address the platform's configurations use: peer lists, firewall rules, VRRP peers. SSH still connects by the name,
/// as Ansible's ssh does.
/// </summary>
public static partial class HostNameResolver
{
    /// <summary>
    /// The lookup site loading uses: the system's resolver (getaddrinfo: /etc/hosts, then DNS, as nsswitch.conf orders
    /// them). The test assembly replaces it so that no test sends a DNS query.
    /// </summary>
    public static Func<string, CancellationToken, Task<IPAddress[]>> Lookup { get; set; } = Dns.GetHostAddressesAsync;

    /// <summary>How long one name may take to resolve; all names of a site resolve at once.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    // RFC 1123 labels; the last label not all digits (RFC 3696 section 2), so "10.40.10" or "10.40.10.311" stay typos
    // of an address and are never looked up.
    [GeneratedRegex(@"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*(?![0-9]+$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$")]
    private static partial Regex DnsNamePattern();

    public static bool IsDnsName(string? text) => text is not null && DnsNamePattern().IsMatch(text);

    /// <summary>The outcome for one name: its one IPv4 address, or why there is none.</summary>
    public sealed record Resolution(IPAddress? Address, string? Problem);

    /// <summary>Resolves every name at once (each within <see cref="Timeout"/>), so a site of 50 named hosts waits once.</summary>
    public static IReadOnlyDictionary<string, Resolution> ResolveAll(IEnumerable<string> names)
    {
        var distinct = names.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (distinct.Count == 0) return new Dictionary<string, Resolution>();
        var lookups = distinct.Select(ResolveOne).ToArray();
        Task.WaitAll(lookups);
        return distinct.Zip(lookups, (name, task) => (name, task.Result))
            .ToDictionary(p => p.name, p => p.Result, StringComparer.OrdinalIgnoreCase);
    }

    private static async Task<Resolution> ResolveOne(string name)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        IPAddress[] found;
        try { found = await Lookup(name, timeout.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) { return new(null, $"did not resolve within {Timeout.TotalSeconds:0} s"); }
        catch (SocketException e) { return new(null, $"does not resolve ({e.SocketErrorCode})"); }
        var v4 = found.Where(a => a.AddressFamily == AddressFamily.InterNetwork).Distinct().OrderBy(a => a.ToString(), StringComparer.Ordinal).ToList();
        return v4.Count switch
        {
            0 => new(null, found.Length == 0 ? "resolves to no address" : "resolves to no IPv4 address"),
            1 => new(v4[0], null),
            // Several: which one the cluster peers and firewalls should use is the user's choice, not the resolver's order.
            _ => new(null, $"resolves to {v4.Count} IPv4 addresses ({string.Join(", ", v4)})"),
        };
    }
}

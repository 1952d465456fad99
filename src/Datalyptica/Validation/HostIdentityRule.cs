using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Datalyptica.Components.Keepalived;
using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Validation;

/// <summary>Host names are valid and unique (ignoring case, as DNS does); addresses are a host's and unique; every host has a job.</summary>
public sealed partial class HostIdentityRule : IValidationRule
{
    [GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex HostLabel();

    /// <summary>A DNS label: what a host name must be (it also names the host's host_vars file).</summary>
    public static bool IsHostLabel(string name) => HostLabel().IsMatch(name);

    public IEnumerable<Diagnostic> Check(Site site)
    {
        var names = new Dictionary<string, Host>(StringComparer.OrdinalIgnoreCase);
        var addresses = new Dictionary<System.Net.IPAddress, Host>();
        foreach (var host in site.Hosts)
        {
            if (!HostLabel().IsMatch(host.Name))
                yield return new Diagnostic(FindingCodes.HostNameInvalid, $"host name '{host.Name}' is not a valid DNS label.",
                    "use letters, digits and hyphens (at most 63), not starting or ending with a hyphen.", host.Source);
            if (names.TryGetValue(host.Name, out var twin))
                yield return new Diagnostic(FindingCodes.HostNamesEqualIgnoringCase, $"hosts '{twin.Name}' and '{host.Name}' differ only in case; DNS treats them as one.",
                    "rename one of them.", host.Source);
            else names[host.Name] = host;
            if (addresses.TryGetValue(host.Address, out var same))
                yield return new Diagnostic(FindingCodes.HostAddressShared, $"hosts '{same.Name}' and '{host.Name}' share the address {host.Address}.",
                    $"give each host its own {SiteKeys.Address}.", host.Vars.GetValueOrDefault(SiteKeys.Address)?.Source ?? host.Source, SiteKeys.Address);
            else addresses[host.Address] = host;
            if (Unusable(site, host.Address) is { } why)
                yield return new Diagnostic(FindingCodes.HostAddressUnusable, $"host '{host.Name}' has the address {host.Address}, which is {why}.",
                    $"set {SiteKeys.Address} to the host's own unicast address.", host.Vars.GetValueOrDefault(SiteKeys.Address)?.Source ?? host.Source, SiteKeys.Address);
            // Implied roles (the log shipper on every host of a site with Loki) are no component group the operator chose.
            if (host.RoleGroups.All(Components.ImpliedRoles.IsImplied))
                yield return new Diagnostic(FindingCodes.HostWithoutRole, $"host '{host.Name}' is in no component group; nothing will be installed on it beyond the OS base (and the log shipper when the site has Loki).",
                    "add it to a component group (e.g. spark_worker) or remove it.", host.Source);
        }
    }

    /// <summary>Why no host can have this address (null when one can): the only subnets the site states are its VIPs'.</summary>
    private static string? Unusable(Site site, IPAddress address)
    {
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return "the unspecified address";
        if (address.Equals(IPAddress.Broadcast)) return "the broadcast address";
        if (address.IsIPv6Multicast || (address.AddressFamily == AddressFamily.InterNetwork && address.GetAddressBytes()[0] is >= 224 and <= 239))
            return "a multicast address";
        foreach (var vip in site.Vips.Where(v => VipRule.SameSubnet(v.Address, address, v.PrefixLength) && v.PrefixLength <= 30))
        {
            if (address.Equals(VipRule.Network(vip.Address, vip.PrefixLength))) return $"the network address of {vip.Name}'s subnet {VipRule.Network(vip.Address, vip.PrefixLength)}/{vip.PrefixLength}";
            if (address.Equals(VipRule.Broadcast(vip.Address, vip.PrefixLength))) return $"the broadcast address of {vip.Name}'s subnet {VipRule.Network(vip.Address, vip.PrefixLength)}/{vip.PrefixLength}";
        }
        return null;
    }
}

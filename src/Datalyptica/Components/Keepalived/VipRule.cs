using System.Net;
using System.Net.Sockets;
using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Components.Keepalived;

/// <summary>
/// Each VIP lies in the subnet of every host that may hold it, is no host's own address nor the subnet's
/// network/broadcast address, and has a VRRP router id (1-255) unique on the segment.
/// </summary>
public sealed class VipRule : IValidationRule
{
    public IEnumerable<Diagnostic> Check(Site site)
    {
        var hostByAddress = site.Hosts.GroupBy(h => h.Address).ToDictionary(g => g.Key, g => g.First());
        var routerIds = new Dictionary<int, Vip>();
        var addresses = new Dictionary<IPAddress, Vip>();
        foreach (var vip in site.Vips)
        {
            var key = $"{SiteKeys.Vips}.{vip.Name}";
            if (vip.Address.AddressFamily != AddressFamily.InterNetwork || vip.PrefixLength is < 8 or > 30)
            {
                yield return new Diagnostic(FindingCodes.VipMalformed,
                    $"VIP {vip.Name} {vip.Cidr} is not an IPv4 address with a prefix between /8 and /30.",
                    "write the VIP as address/prefix, e.g. 10.20.1.100/24, using the holders' subnet prefix.", vip.Source, key);
                continue;
            }
            var holders = site.HostsInGroup(vip.Group).ToList();
            if (holders.Count == 0)
                yield return new Diagnostic(FindingCodes.VipGroupEmpty,
                    $"VIP {vip.Name} is held by group '{vip.Group}', which has no hosts.",
                    "set the VIP's group to the Keepalived group (keepalived) or add hosts to it.", vip.Source, key);
            foreach (var host in holders.Where(h => !SameSubnet(h.Address, vip.Address, vip.PrefixLength)))
                yield return new Diagnostic(FindingCodes.VipOutsideSubnet,
                    $"VIP {vip.Name} {vip.Cidr} is outside the subnet of {host.Name} ({host.Address}); VRRP only moves an address within the holders' segment.",
                    $"pick a free address in {Network(host.Address, vip.PrefixLength)}/{vip.PrefixLength} or fix the prefix.", vip.Source, key);
            if (hostByAddress.TryGetValue(vip.Address, out var owner))
                yield return new Diagnostic(FindingCodes.VipIsHostAddress,
                    $"VIP {vip.Name} {vip.Address} is also the address of host {owner.Name}.",
                    "give the VIP an address that no host uses.", vip.Source, key);
            var network = Network(vip.Address, vip.PrefixLength);
            if (vip.Address.Equals(network) || vip.Address.Equals(Broadcast(vip.Address, vip.PrefixLength)))
                yield return new Diagnostic(FindingCodes.VipNetworkOrBroadcast,
                    $"VIP {vip.Name} {vip.Cidr} is the network or broadcast address of its subnet.",
                    "pick a host address inside the subnet.", vip.Source, key);
            if (vip.RouterId is < 1 or > 255)
                yield return new Diagnostic(FindingCodes.VipRouterIdOutOfRange,
                    $"VIP {vip.Name}: VRRP router id {vip.RouterId} is outside 1-255.", "use a router id from 1 to 255.", vip.Source, key);
            else if (routerIds.TryGetValue(vip.RouterId, out var other))
                yield return new Diagnostic(FindingCodes.VipRouterIdShared,
                    $"VIPs {other.Name} and {vip.Name} share VRRP router id {vip.RouterId}; instances on one segment must differ.",
                    $"give {vip.Name} a router id no other VIP uses.", vip.Source, key);
            else routerIds[vip.RouterId] = vip;
            if (addresses.TryGetValue(vip.Address, out var twin))
                yield return new Diagnostic(FindingCodes.VipDuplicate,
                    $"VIPs {twin.Name} and {vip.Name} have the same address {vip.Address}.", "give each VIP its own address.", vip.Source, key);
            else addresses[vip.Address] = vip;
        }
        if (site.Vips.Count == 0 && site.Hosts.Any(h => h.RoleGroups.Contains("keepalived")))
            yield return new Diagnostic(FindingCodes.KeepalivedWithoutVip,
                "Keepalived hosts exist but the site defines no VIP.",
                $"add one under {SiteKeys.Vips} in group_vars/all, e.g. {{name: frontend-a, address: 10.20.1.100/24, router_id: 51, group: keepalived}}.",
                site.Source, SiteKeys.Vips);
    }

    private static uint ToUInt(IPAddress a) { var b = a.GetAddressBytes(); return (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]); }
    private static uint Mask(int prefix) => prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);
    private static IPAddress FromUInt(uint v) => new([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]);

    public static bool SameSubnet(IPAddress a, IPAddress b, int prefix) =>
        a.AddressFamily == AddressFamily.InterNetwork && (ToUInt(a) & Mask(prefix)) == (ToUInt(b) & Mask(prefix));

    public static IPAddress Network(IPAddress a, int prefix) => FromUInt(ToUInt(a) & Mask(prefix));
    public static IPAddress Broadcast(IPAddress a, int prefix) => FromUInt(ToUInt(a) | ~Mask(prefix));
}

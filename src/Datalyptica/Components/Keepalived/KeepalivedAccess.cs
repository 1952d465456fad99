using Datalyptica.Contracts;

namespace Datalyptica.Components.Keepalived;

/// <summary>Who may send VRRP to a keepalived node.</summary>
public static class KeepalivedAccess
{
    public static IReadOnlyList<Access> Firewall { get; } =
    [
        // VRRP is IP protocol 112, not TCP/UDP: keepalived peers only (unicast adverts, check_unicast_src).
        new("keepalived_vrrp", KeepalivedComponent.Node, null, [KeepalivedComponent.Node], "VRRP adverts between peers") { IpProtocol = new(112, "vrrp") },
    ];
}

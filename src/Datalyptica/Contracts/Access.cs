using Datalyptica.Components;

namespace Datalyptica.Contracts;

/// <summary>Networks (CIDRs from inventory variables) allowed to reach a port, besides the calling roles.</summary>
public enum Networks
{
    None,
    /// <summary><c>datalyptica_client_networks</c>: where users and applications connect from.</summary>
    Client,
    /// <summary><c>datalyptica_admin_networks</c> (defaults to the client networks): operator UIs.</summary>
    Admin,
    /// <summary><c>dr_standby_networks</c>: a standby site's hosts, replicating from this primary site (empty: none).</summary>
    DrStandby,
}

/// <summary>An IP protocol by number, with the name the firewall rule is commented with (VRRP is 112, RFC 5798).</summary>
public sealed record IpProtocol(int Number, string Name);

/// <summary>
/// One reviewed line of the firewall policy: a port a role serves, and the roles that call it. The server's
/// role is listed among the callers when members talk to each other (peers). <see cref="Offset"/> derives a
/// port from another (JGroups failure detection); <see cref="Range"/> is a fixed port range. Each component
/// declares the lines of the ports it serves (<see cref="ComponentDefinition.Firewall"/>).
/// </summary>
public sealed record Access(string Id, RoleDefinition Server, PortSpec? Port, IReadOnlyList<RoleDefinition> Callers, string Why)
{
    public Networks Networks { get; init; } = Networks.None;
    /// <summary>Every host of the site calls this port (log shippers pushing to Loki).</summary>
    public bool AllHosts { get; init; }
    public int Offset { get; init; }
    public string? Range { get; init; }
    /// <summary>An IP protocol other than TCP/UDP (VRRP), matched by number instead of a port.</summary>
    public IpProtocol? IpProtocol { get; init; }
    public PortProtocol Protocol => Port?.Protocol ?? PortProtocol.Tcp;

    /// <summary>The port text nftables matches on a host that serves this (its own, possibly moved, port).</summary>
    public string PortOn(Model.Host host) => Range ?? (host.Port(Port!) + Offset).ToString(System.Globalization.CultureInfo.InvariantCulture);
}

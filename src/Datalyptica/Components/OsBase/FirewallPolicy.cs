using Datalyptica.Contracts;

namespace Datalyptica.Components.OsBaseLayer;

/// <summary>
/// Who may call what: the table the per-host nftables rules are built from, combined from what each component
/// declares about the ports it serves (<see cref="ComponentDefinition.Firewall"/>), in catalog order. Review each
/// component's entries like code: every served port is listed (a test checks it), and every caller is a role that
/// really opens connections to it. A role that the site does not deploy simply contributes no addresses.
/// </summary>
public static class FirewallPolicy
{
    public static IReadOnlyList<Access> Table =>
        ComponentCatalog.Combined<IReadOnlyList<Access>>("firewall", all => all.SelectMany(c => c.Firewall).ToList());

    /// <summary>The kernel's ephemeral port range, set by the OS base sysctl file (net.ipv4.ip_local_port_range).</summary>
    public const string EphemeralRange = "10000-65535";

    /// <summary>Every table entry that applies to a host (it has the server role).</summary>
    public static IEnumerable<Access> On(Model.Host host) => Table.Where(a => host.Has(a.Server));

    public static readonly IReadOnlyList<string> DefaultClientNetworks = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
    public const string ClientNetworksKey = "datalyptica_client_networks";
    public const string AdminNetworksKey = "datalyptica_admin_networks";
    public const string SshSourcesKey = "nftables_ssh_sources";
}

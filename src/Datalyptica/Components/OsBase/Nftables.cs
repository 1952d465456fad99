using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;
using Datalyptica.Rendering;

namespace Datalyptica.Components.OsBaseLayer;

/// <summary>
/// The host firewall (Debian's nftables.service loads /etc/nftables.conf). Inbound is dropped by default;
/// each port the host's components serve is open only to the addresses of the roles that call it
/// (<see cref="FirewallPolicy.Table"/>). Callers are named sets, so the rule count grows with the ports a
/// host serves, not with the number of hosts.
/// </summary>
public static class Nftables
{
    public const string ConfigPath = "/etc/nftables.conf";
    public const string Table = "datalyptica";

    /// <summary>Caller sets depend on the site only (not on the host that serves), so they are built once per site.</summary>
    private sealed class SiteSets
    {
        public readonly ConcurrentDictionary<string, (string V4, string V6)> Sets = new();
    }

    private static readonly ConditionalWeakTable<Site, SiteSets> Cache = new();

    public static RenderedFile Render(RenderContext context)
    {
        var host = context.Host;
        var cache = Cache.GetValue(context.Site, _ => new SiteSets());
        var sets = new StringBuilder();
        var rules = new StringBuilder();

        var client = OsBaseSettings.ClientNetworks.Read(context.Site);
        var admin = OsBaseSettings.AdminNetworks.Get(context.Site) ?? client;
        var ssh = OsBaseSettings.SshSources.Get(context.Site);
        var netSetsUsed = new HashSet<string>();

        var drStandby = Patroni.PatroniStandbySite.Networks(context.Site);
        IReadOnlyList<string> Cidrs(string set) => set switch
        {
            "client_networks" => client, "admin_networks" => admin, "dr_standby_networks" => drStandby, _ => ssh!,
        };

        void NetRule(string match, Contracts.Networks networks)
        {
            var name = networks switch
            {
                Contracts.Networks.Client => "client_networks",
                Contracts.Networks.Admin => "admin_networks",
                Contracts.Networks.DrStandby when drStandby.Count > 0 => "dr_standby_networks",
                _ => null,
            };
            if (name is null) return;
            netSetsUsed.Add(name);
            Emit(rules, match, name, HasV4(Cidrs(name)), HasV6(Cidrs(name)));
        }

        // SSH: anywhere unless the site narrows it (nftables_ssh_sources). Never drop the operator's way in by accident.
        var sshPort = host.Port(OsBase.Ssh);
        if (ssh is null) rules.Append($"\t\ttcp dport {sshPort} accept comment {NftablesText.Quote("ssh")}\n");
        else
        {
            netSetsUsed.Add("ssh_sources");
            Emit(rules, $"tcp dport {sshPort}", "ssh_sources", HasV4(ssh), HasV6(ssh), "ssh");
        }

        var monitoring = CallerSet(cache, context, "node_exporter", [PrometheusComponent.Server], false);
        AppendSet(sets, "node_exporter", monitoring);
        Emit(rules, $"tcp dport {host.Port(OsBase.NodeExporter)}", "node_exporter", monitoring.V4.Length > 0, monitoring.V6.Length > 0, "node exporter from Prometheus");

        // IP protocols other than TCP/UDP (VRRP) come first, each with a set of its own.
        foreach (var access in FirewallPolicy.On(host).Where(a => a.IpProtocol is not null))
        {
            var peers = CallerSet(cache, context, access.Id, access.Callers, access.AllHosts);
            AppendSet(sets, access.Id, peers);
            var (number, name) = (access.IpProtocol!.Number, access.IpProtocol.Name);
            if (peers.V4.Length > 0) rules.Append($"\t\tip protocol {number} ip saddr @{NftablesText.Identifier(access.Id + "_v4")} accept comment {NftablesText.Quote(name)}\n");
            if (peers.V6.Length > 0) rules.Append($"\t\tip6 nexthdr {number} ip6 saddr @{NftablesText.Identifier(access.Id + "_v6")} accept comment {NftablesText.Quote(name)}\n");
        }

        // Entries with the same callers (the four PostgreSQL ports) share one set.
        var byContent = new Dictionary<(string, string), string>();
        foreach (var access in FirewallPolicy.On(host).Where(a => a.IpProtocol is null))
        {
            var set = CallerSet(cache, context, access.Id, access.Callers, access.AllHosts);
            if (!byContent.TryGetValue(set, out var setName))
            {
                byContent[set] = setName = access.Id;
                AppendSet(sets, setName, set);
            }
            var match = access.Protocol switch
            {
                PortProtocol.Tcp => $"tcp dport {access.PortOn(host)}",
                PortProtocol.Udp => $"udp dport {access.PortOn(host)}",
                _ => $"meta l4proto {{ tcp, udp }} th dport {access.PortOn(host)}",
            };
            Emit(rules, match, setName, set.V4.Length > 0, set.V6.Length > 0, access.Id);
            NetRule(match, access.Networks);
        }

        foreach (var name in netSetsUsed.Order(StringComparer.Ordinal))
            AppendNetworkSet(sets, name, Cidrs(name));

        var sb = new StringBuilder();
        sb.Append("#!/usr/sbin/nft -f\n");
        sb.Append("# Generated by datalyptica: host firewall for ").Append(FormatGuard.Comment(host.Name)).Append(" (")
          .Append(FormatGuard.Comment(string.Join(", ", host.RoleGroups))).Append(").\n");
        sb.Append("# Inbound is dropped unless a rule below opens it; each port opens only to the hosts that call it\n");
        sb.Append("# (Components/OsBase/FirewallPolicy.cs). Only our own table is replaced, so tables other tools own survive a reload.\n");
        sb.Append($"table inet {Table}\ndelete table inet {Table}\n\n");
        sb.Append($"table inet {Table} {{\n");
        sb.Append(sets);
        sb.Append("\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n");
        sb.Append("\t\tct state established,related accept\n\t\tct state invalid drop\n\t\tiif \"lo\" accept\n");
        sb.Append("\t\t# ICMP errors keep path-MTU discovery working; echo is rate limited. ICMPv6 neighbour discovery is required for IPv6.\n");
        sb.Append("\t\tip protocol icmp icmp type { destination-unreachable, time-exceeded, parameter-problem } accept\n");
        sb.Append("\t\tip protocol icmp icmp type echo-request limit rate 10/second accept\n");
        sb.Append("\t\tip6 nexthdr icmpv6 icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept\n");
        sb.Append("\t\tip6 nexthdr icmpv6 icmpv6 type echo-request limit rate 10/second accept\n");
        sb.Append(rules);
        sb.Append("\t\tlimit rate 5/minute log prefix \"datalyptica-drop: \" level info\n\t\tcounter\n\t}\n\n");
        sb.Append("\t# These hosts route nothing.\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n\t}\n}\n");
        return new RenderedFile(OsBaseRenderer.ComponentId, ConfigPath, sb.ToString()) { Mode = Modes.Public };
    }

    private static bool IsV6(string cidr) => cidr.Contains(':');
    private static bool HasV4(IReadOnlyList<string> cidrs) => cidrs.Any(c => !IsV6(c));
    private static bool HasV6(IReadOnlyList<string> cidrs) => cidrs.Any(IsV6);

    private static void Emit(StringBuilder rules, string match, string set, bool v4, bool v6, string? comment = null)
    {
        var c = comment is null ? "" : $" comment {NftablesText.Quote(comment)}";
        if (v4) rules.Append($"\t\t{match} ip saddr @{NftablesText.Identifier(set + "_v4")} accept{c}\n");
        if (v6) rules.Append($"\t\t{match} ip6 saddr @{NftablesText.Identifier(set + "_v6")} accept{c}\n");
    }

    /// <summary>
    /// Addresses of the callers, de-duplicated, split by family, as nft interval elements: each run of consecutive
    /// addresses becomes one range (<c>10.0.1.11-10.0.1.210</c>), a lone address stays itself. Exact (a range names
    /// only addresses in the run, all of which are callers), and pools get contiguous addresses, so a set stays a few
    /// elements however large the pool: the firewall text grows with the number of pools, not with hosts squared.
    /// </summary>
    private static (string V4, string V6) CallerSet(SiteSets cache, RenderContext context, string id, IReadOnlyList<RoleDefinition> callers, bool allHosts) =>
        cache.Sets.GetOrAdd(id, _ =>
        {
            var addresses = allHosts
                ? context.Site.Hosts.Select(h => h.Address)
                : callers.SelectMany(r => context.Members(r)).Select(h => h.Address);
            var v4 = new List<UInt128>();
            var v6 = new List<UInt128>();
            foreach (var a in addresses)
                (a.AddressFamily == AddressFamily.InterNetwork ? v4 : v6).Add(ToNumber(a));
            return (Ranges(v4, AddressFamily.InterNetwork), Ranges(v6, AddressFamily.InterNetworkV6));
        });

    /// <summary>Sorted, de-duplicated runs of consecutive addresses as nft elements ("a-b" or "a"), comma-separated.</summary>
    internal static string Ranges(List<UInt128> addresses, AddressFamily family)
    {
        if (addresses.Count == 0) return "";
        addresses.Sort();
        var sb = new StringBuilder();
        var start = addresses[0];
        var end = start;
        void Flush()
        {
            if (sb.Length > 0) sb.Append(", ");
            sb.Append(FromNumber(start, family));
            if (end != start) sb.Append('-').Append(FromNumber(end, family));
        }
        for (var i = 1; i < addresses.Count; i++)
        {
            var a = addresses[i];
            if (a == end) continue;           // duplicate
            if (a == end + 1) { end = a; continue; }
            Flush();
            start = end = a;
        }
        Flush();
        return sb.ToString();
    }

    internal static UInt128 ToNumber(IPAddress address)
    {
        UInt128 n = 0;
        foreach (var b in address.GetAddressBytes()) n = (n << 8) | b;
        return n;
    }

    internal static IPAddress FromNumber(UInt128 n, AddressFamily family)
    {
        var bytes = new byte[family == AddressFamily.InterNetwork ? 4 : 16];
        for (var i = bytes.Length - 1; i >= 0; i--) { bytes[i] = (byte)(n & 0xff); n >>= 8; }
        return new IPAddress(bytes);
    }

    private static void AppendSet(StringBuilder sb, string name, (string V4, string V6) set)
    {
        // interval: elements are ranges; they never overlap (Ranges merges them), so no auto-merge is needed.
        if (set.V4.Length > 0) sb.Append($"\tset {NftablesText.Identifier(name + "_v4")} {{\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = {{ {set.V4} }}\n\t}}\n\n");
        if (set.V6.Length > 0) sb.Append($"\tset {NftablesText.Identifier(name + "_v6")} {{\n\t\ttype ipv6_addr\n\t\tflags interval\n\t\telements = {{ {set.V6} }}\n\t}}\n\n");
    }

    private static void AppendNetworkSet(StringBuilder sb, string name, IReadOnlyList<string> cidrs)
    {
        // interval + auto-merge: networks may overlap (10.0.0.0/8 and 10.20.0.0/16) without a load error.
        // Networks come from the site (client_networks, admin_networks, ssh sources): each must parse as one, so no
        // value can close the element list or add a rule.
        var v4 = cidrs.Where(c => !IsV6(c)).Select(c => NftablesText.Address(c, name)).ToList();
        var v6 = cidrs.Where(IsV6).Select(c => NftablesText.Address(c, name)).ToList();
        if (v4.Count > 0) sb.Append($"\tset {NftablesText.Identifier(name + "_v4")} {{\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n\t\telements = {{ {string.Join(", ", v4)} }}\n\t}}\n\n");
        if (v6.Count > 0) sb.Append($"\tset {NftablesText.Identifier(name + "_v6")} {{\n\t\ttype ipv6_addr\n\t\tflags interval\n\t\tauto-merge\n\t\telements = {{ {string.Join(", ", v6)} }}\n\t}}\n\n");
    }
}

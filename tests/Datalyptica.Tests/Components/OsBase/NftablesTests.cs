using System.Net;
using System.Text.RegularExpressions;
using Datalyptica.Components.Keepalived;
using Datalyptica.Components.OsBaseLayer;
using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;
using Datalyptica.Rendering;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.OsBaseLayer;

/// <summary>The parsed firewall of one host: named sets and the accept rules that use them.</summary>
internal sealed partial record Firewall(Dictionary<string, List<string>> Sets, List<(string Match, string Set)> Rules)
{
    [GeneratedRegex(@"set (\w+) \{[^}]*?elements = \{ ([^}]*) \}", RegexOptions.Singleline)]
    private static partial Regex SetPattern();

    [GeneratedRegex(@"^\t\t(.*?) (?:ip|ip6) saddr @(\w+) accept", RegexOptions.Multiline)]
    private static partial Regex RulePattern();

    public static Firewall Parse(string text) => new(
        SetPattern().Matches(text).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Split(", ").ToList()),
        RulePattern().Matches(text).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList());

    /// <summary>Sets referenced by rules with exactly this match (e.g. "tcp dport 5432").</summary>
    public IEnumerable<string> SetsFor(string match) => Rules.Where(r => r.Match == match).Select(r => r.Set);

    public bool Allows(string match, IPAddress address) => SetsFor(match).Any(s => Sets[s].Any(e => Contains(e, address)));

    public bool AllowsByHostSet(string match, IPAddress address) =>
        SetsFor(match).Where(s => !s.EndsWith("networks_v4") && !s.EndsWith("networks_v6")).Any(s => Sets[s].Any(e => Contains(e, address)));

    /// <summary>Every address a caller set names (its ranges expanded); only for host sets, never for networks.</summary>
    public HashSet<IPAddress> Addresses(string set) => Sets[set].SelectMany(Expand).ToHashSet();

    private static IEnumerable<IPAddress> Expand(string element)
    {
        element.Contains('/').ShouldBeFalse($"caller set element {element} is a network, not host addresses");
        var (first, last) = Bounds(element);
        var family = IPAddress.Parse(element.Split('-')[0]).AddressFamily;
        (last - first).ShouldBeLessThan((UInt128)100_000, $"range {element} is larger than any site");
        for (var n = first; n <= last; n++) yield return Nftables.FromNumber(n, family);
    }

    private static (UInt128 First, UInt128 Last) Bounds(string element)
    {
        var parts = element.Split('-');
        var first = Nftables.ToNumber(IPAddress.Parse(parts[0]));
        return (first, parts.Length == 2 ? Nftables.ToNumber(IPAddress.Parse(parts[1])) : first);
    }

    private static bool Contains(string element, IPAddress address)
    {
        if (element.Contains('/')) return IPNetwork.Parse(element).Contains(address);
        var probe = IPAddress.Parse(element.Split('-')[0]);
        if (probe.AddressFamily != address.AddressFamily) return false;
        var (first, last) = Bounds(element);
        var n = Nftables.ToNumber(address);
        return n >= first && n <= last;
    }
}

public class NftablesTests
{
    private static string Match(Access access, Host host) => access.IpProtocol is { } ip ? $"ip protocol {ip.Number}" : access.Protocol switch
    {
        PortProtocol.Tcp => $"tcp dport {access.PortOn(host)}",
        PortProtocol.Udp => $"udp dport {access.PortOn(host)}",
        _ => $"meta l4proto {{ tcp, udp }} th dport {access.PortOn(host)}",
    };

    public static TheoryData<string> Sites => new() { "production", "development", "staging" };


    [Theory]
    [MemberData(nameof(Sites))]
    public void Every_host_firewall_passes_nft_check(string siteName)
    {
        // `nft -c` needs CAP_NET_ADMIN and talks to the kernel's nftables; a fresh network namespace keeps the
        // check away from this machine's own ruleset.
        var site = RenderedSites.ByName(siteName);
        foreach (var (host, file) in site.FilesAt(Nftables.ConfigPath))
        {
            using var root = new HostRoot([file]);
            var result = Tool.Run("unshare", ["-n", Tool.Resolve("nft"), "-c", "-f", root.PathOf(file.Path)]);
            result.ExitCode.ShouldBe(0, $"{site}: {host.Name}: {result.Output}");
        }
    }

    [Theory]
    [MemberData(nameof(Sites))]
    public void Every_caller_in_the_policy_can_reach_the_port_and_others_cannot(string siteName)
    {
        var rendered = RenderedSites.ByName(siteName);
        var site = rendered.Site;
        var checkedPairs = 0;
        foreach (var (host, file) in rendered.FilesAt(Nftables.ConfigPath))
        {
            var fw = Firewall.Parse(file.Content);
            foreach (var access in FirewallPolicy.On(host))
            {
                var match = Match(access, host);
                var callers = (access.AllHosts ? site.Hosts : access.Callers.SelectMany(site.HostsWith)).Select(h => h.Address).ToHashSet();
                foreach (var address in callers)
                {
                    fw.AllowsByHostSet(match, address).ShouldBeTrue($"{site.Name}: {host.Name} {match} ({access.Id}) must admit {address}");
                    checkedPairs++;
                }
                // Without client/admin networks, nobody else gets in.
                if (access.Networks == Networks.None && access.Range is null && !access.AllHosts)
                    foreach (var other in site.Hosts.Where(h => !callers.Contains(h.Address)))
                        fw.Allows(match, other.Address).ShouldBeFalse($"{site.Name}: {host.Name} {match} ({access.Id}) must not admit {other.Name}");
            }
            // Node exporter: Prometheus only.
            var prometheus = site.HostsWith(PrometheusComponent.Server).Select(h => h.Address).ToHashSet();
            foreach (var h in site.Hosts)
                fw.Allows($"tcp dport {host.Port(Datalyptica.Components.OsBase.NodeExporter)}", h.Address).ShouldBe(prometheus.Contains(h.Address), $"{host.Name} 9100 from {h.Name}");
        }
        checkedPairs.ShouldBeGreaterThan(100);
    }

    [Fact]
    public void Vrrp_is_admitted_only_from_keepalived_peers()
    {
        var rendered = RenderedSites.Production;
        var peers = rendered.Site.HostsWith(KeepalivedComponent.Node).Select(h => h.Address.ToString()).ToList();
        foreach (var (host, file) in rendered.FilesAt(Nftables.ConfigPath))
        {
            var fw = Firewall.Parse(file.Content);
            if (host.Has(KeepalivedComponent.Node))
            {
                file.Content.ShouldContain("ip protocol 112 ip saddr @keepalived_vrrp_v4 accept");
                fw.Addresses("keepalived_vrrp_v4").Select(a => a.ToString()).ShouldBe(peers, ignoreOrder: true);
            }
            else file.Content.ShouldNotContain("ip protocol 112");
            file.Content.ShouldContain("policy drop;");
            file.Content.ShouldContain("ct state established,related accept");
        }
    }

    [Fact]
    public void A_moved_port_is_opened_on_the_moved_number()
    {
        // Development moves Flink's REST port to 8082 on processing hosts (Spark's worker UI owns 8081).
        var rendered = RenderedSites.Development;
        var jm = rendered.Site.Hosts.First(h => h.Has(Datalyptica.Components.Flink.FlinkComponent.JobManager));
        jm.Port(Datalyptica.Components.Flink.FlinkComponent.Rest).ShouldBe(8082);
        var text = rendered.File(jm.Name, Nftables.ConfigPath).Content;
        text.ShouldContain("tcp dport 8082 ip saddr @flink_rest_v4 accept");
        text.ShouldNotContain("@flink_rest_v4 accept comment \"flink_rest\"\n\t\ttcp dport 8081");
    }

    public static TheoryData<string> SitesAndGenerated => new() { "production", "development", "staging", "generated-1000" };

    [Theory]
    [MemberData(nameof(SitesAndGenerated))]
    public void Every_caller_set_names_exactly_the_callers_addresses(string siteName)
    {
        // Ranges keep sets small; they must never be looser than the hosts they stand for.
        var rendered = RenderedSites.ByName(siteName);
        var site = rendered.Site;
        var prometheus = site.HostsWith(PrometheusComponent.Server).Select(h => h.Address).ToHashSet();
        var sets = 0;
        foreach (var (host, file) in rendered.FilesAt(Nftables.ConfigPath))
        {
            var fw = Firewall.Parse(file.Content);
            void Exactly(string set, IEnumerable<IPAddress> callers)
            {
                var family = set.EndsWith("_v6") ? System.Net.Sockets.AddressFamily.InterNetworkV6 : System.Net.Sockets.AddressFamily.InterNetwork;
                fw.Addresses(set).ShouldBe(callers.Where(a => a.AddressFamily == family).ToHashSet(), ignoreOrder: true, $"{site.Name}: {host.Name} set {set}");
                sets++;
            }
            // An entry of networks only (the DR standby's, on a port other entries' callers share) adds no caller set.
            foreach (var access in FirewallPolicy.On(host).Where(a => a.AllHosts || a.Callers.Count > 0))
            {
                var callers = (access.AllHosts ? site.Hosts : access.Callers.SelectMany(site.HostsWith)).Select(h => h.Address).ToList();
                foreach (var set in fw.SetsFor(Match(access, host)).Where(s => !s.Contains("_networks_") && s != "ssh_sources_v4" && s != "ssh_sources_v6"))
                    Exactly(set, callers);
            }
            Exactly("node_exporter_v4", prometheus);
        }
        sets.ShouldBeGreaterThan(site.Hosts.Count);
    }

    [Fact]
    public void Contiguous_pools_collapse_to_one_range_so_firewall_text_grows_linearly()
    {
        var big = RenderedSites.Generated1000;
        var largest = big.FilesAt(Nftables.ConfigPath).Max(x => x.File.Content.Length);
        var small = RenderedSites.Production.FilesAt(Nftables.ConfigPath).Max(x => x.File.Content.Length);
        // Before ranges, a 1,000-host site's worker firewall listed every caller (tens of KB per host).
        largest.ShouldBeLessThan(small * 2, "a host's firewall must not grow with the number of hosts");
        Nftables.Ranges([Nftables.ToNumber(IPAddress.Parse("10.0.0.3")), Nftables.ToNumber(IPAddress.Parse("10.0.0.1")),
                         Nftables.ToNumber(IPAddress.Parse("10.0.0.2")), Nftables.ToNumber(IPAddress.Parse("10.0.0.2")),
                         Nftables.ToNumber(IPAddress.Parse("10.0.0.9")), Nftables.ToNumber(IPAddress.Parse("10.0.1.0")),
                         Nftables.ToNumber(IPAddress.Parse("10.0.0.255"))], System.Net.Sockets.AddressFamily.InterNetwork)
            .ShouldBe("10.0.0.1-10.0.0.3, 10.0.0.9, 10.0.0.255-10.0.1.0");
        Nftables.Ranges([Nftables.ToNumber(IPAddress.Parse("fd00::ffff")), Nftables.ToNumber(IPAddress.Parse("fd00::1:0"))],
                System.Net.Sockets.AddressFamily.InterNetworkV6).ShouldBe("fd00::ffff-fd00::1:0");
    }

    [Fact]
    public void Generated_1000_host_firewalls_pass_nft_check()
    {
        // One host of each role mix: their interval sets load in the kernel's parser.
        var big = RenderedSites.Generated1000;
        foreach (var (host, file) in big.FilesAt(Nftables.ConfigPath).DistinctBy(x => string.Join(",", x.Host.RoleGroups)))
        {
            using var root = new HostRoot([file]);
            var result = Tool.Run("unshare", ["-n", Tool.Resolve("nft"), "-c", "-f", root.PathOf(file.Path)]);
            result.ExitCode.ShouldBe(0, $"{host.Name}: {result.Output}");
        }
    }

    [Fact]
    public void Rule_count_grows_with_ports_not_hosts()
    {
        var big = RenderedSites.Generated1000;
        var worst = big.FilesAt(Nftables.ConfigPath).Max(x => Firewall.Parse(x.File.Content).Rules.Count);
        var small = RenderedSites.Production.FilesAt(Nftables.ConfigPath).Max(x => Firewall.Parse(x.File.Content).Rules.Count);
        worst.ShouldBe(small, "a 1,000-host site adds set elements, not rules");
        worst.ShouldBeLessThan(40);
    }

    [Fact]
    public void Client_networks_come_from_the_site()
    {
        var site = RenderedSites.Production.Site;
        var custom = site with { Vars = new Dictionary<string, Setting>(site.Vars) {
            [FirewallPolicy.ClientNetworksKey] = new(new List<object?> { "10.20.0.0/16", "fd00::/8" }, null),
            [FirewallPolicy.SshSourcesKey] = new("192.0.2.0/24", null),
        } };
        var text = SiteRenderer.Render(custom, "lb01", Datalyptica.Rendering.OsBaseRenderer.ComponentId)[0].Files.Single(f => f.Path == Nftables.ConfigPath).Content;
        text.ShouldContain("elements = { 10.20.0.0/16 }");
        text.ShouldContain("elements = { fd00::/8 }");
        text.ShouldContain("tcp dport 443 ip6 saddr @client_networks_v6 accept");
        text.ShouldContain("tcp dport 22 ip saddr @ssh_sources_v4 accept");
        text.ShouldNotContain("tcp dport 22 accept");
        using var root = new HostRoot([new RenderedFile("os-base", Nftables.ConfigPath, text)]);
        var result = Tool.Run("unshare", ["-n", Tool.Resolve("nft"), "-c", "-f", root.PathOf(Nftables.ConfigPath)]);
        result.ExitCode.ShouldBe(0, result.Output);
    }
}

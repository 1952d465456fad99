using System.Net;
using System.Text.RegularExpressions;
using Datalyptica.Components.Keepalived;
using Datalyptica.Contracts;
using Datalyptica.Model;
using Datalyptica.Rendering;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Keepalived;

public partial class KeepalivedRendererTests
{
    private sealed record Instance(string Host, string Name, int RouterId, int Priority, string Src, List<string> Peers, string Vip, string Interface, string Advert);

    [GeneratedRegex(@"vrrp_instance (\S+) \{(.*?)\n\}", RegexOptions.Singleline)]
    private static partial Regex InstancePattern();

    private static List<Instance> Parse(string host, string text) => InstancePattern().Matches(text).Select(m =>
    {
        var body = m.Groups[2].Value;
        string One(string key) => Regex.Match(body, $@"\n\s*{key} (\S+)").Groups[1].Value;
        var peers = Regex.Match(body, @"unicast_peer \{([^}]*)\}").Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var vip = Regex.Match(body, @"virtual_ipaddress \{\s*(\S+) dev").Groups[1].Value;
        return new Instance(host, m.Groups[1].Value, int.Parse(One("virtual_router_id")), int.Parse(One("priority")), One("unicast_src_ip"), peers, vip, One("interface"), One("advert_int"));
    }).ToList();

    /// <summary>
    /// keepalived --config-test also checks that the configured interfaces exist, so it runs in a fresh network
    /// namespace holding an interface of that name (one end of a veth pair: this kernel has no dummy module):
    /// the result does not depend on this machine's NICs.
    /// </summary>
    private static Tool.Result ConfigTest(string path, string iface) =>
        Tool.Run("unshare", ["-n", "sh", "-c",
            $"{Tool.Resolve("ip")} link add {iface} type veth peer name dl-peer0 && {Tool.Resolve("ip")} link set {iface} up && {Tool.Resolve("keepalived")} --config-test -f {path}"]);

    public static TheoryData<string> Sites => new() { "production", "development", "staging" };


    [Theory]
    [MemberData(nameof(Sites))]
    public void Config_passes_keepalived_config_test(string siteName)
    {
        var site = RenderedSites.ByName(siteName);
        var files = site.FilesAt(KeepalivedRenderer.ConfigPath).ToList();
        files.Count.ShouldBe(site.Site.HostsWith(KeepalivedComponent.Node).Count());
        foreach (var (host, file) in files)
        {
            using var root = new HostRoot([file]);
            var result = ConfigTest(root.PathOf(file.Path), "eth0");
            result.ExitCode.ShouldBe(0, $"{siteName} {host.Name}: {result.Output}");
        }
    }

    [Theory]
    [MemberData(nameof(Sites))]
    public void Instances_match_the_site_vips_with_unique_priorities_and_all_peers(string siteName)
    {
        var rendered = RenderedSites.ByName(siteName);
        var site = rendered.Site;
        var members = site.HostsWith(KeepalivedComponent.Node).ToList();
        var instances = rendered.FilesAt(KeepalivedRenderer.ConfigPath).SelectMany(x => Parse(x.Host.Name, x.File.Content)).ToList();
        instances.Select(i => i.Name).Distinct().ShouldBe(site.Vips.Select(v => v.Name), ignoreOrder: true);
        foreach (var vip in site.Vips)
        {
            var of = instances.Where(i => i.Name == vip.Name).ToList();
            of.Count.ShouldBe(members.Count);
            of.ShouldAllBe(i => i.RouterId == vip.RouterId);
            of.ShouldAllBe(i => i.Vip == vip.Cidr);
            of.ShouldAllBe(i => i.Advert == KeepalivedSettings.AdvertInt.Default.ToString(System.Globalization.CultureInfo.InvariantCulture) && i.Interface == "eth0");
            of.Select(i => i.Priority).Distinct().Count().ShouldBe(of.Count, $"{vip.Name}: priorities must differ");
            foreach (var i in of)
            {
                var self = members.Single(h => h.Name == i.Host);
                i.Src.ShouldBe(self.Address.ToString());
                i.Peers.ShouldBe(members.Where(h => h != self).Select(h => h.Address.ToString()), ignoreOrder: true);
                // The VIP is in the host's subnet and is no host's own address.
                IPNetwork.Parse($"{vip.Address}/{vip.PrefixLength}").Contains(self.Address).ShouldBeTrue();
            }
            site.Hosts.ShouldNotContain(h => h.Address.Equals(vip.Address));
        }
        // Active-active: each VIP prefers a different node.
        var preferred = site.Vips.Select(v => instances.Where(i => i.Name == v.Name).MaxBy(i => i.Priority)!.Host).ToList();
        preferred.Distinct().Count().ShouldBe(Math.Min(site.Vips.Count, members.Count));
        site.Vips.Select(v => v.RouterId).Distinct().Count().ShouldBe(site.Vips.Count);
    }

    [Fact]
    public void Haproxy_is_tracked_as_a_process_and_no_password_is_used()
    {
        foreach (var (_, file) in RenderedSites.Production.FilesAt(KeepalivedRenderer.ConfigPath))
        {
            file.Content.ShouldContain("vrrp_track_process haproxy {\n    process haproxy\n");
            file.Content.ShouldContain("track_process {\n        haproxy\n    }");
            Regex.IsMatch(file.Content, @"^\s*script\b", RegexOptions.Multiline).ShouldBeFalse("no track scripts: pidof fails inside keepalived");
            file.Content.ShouldNotContain("auth_pass");
            file.Content.ShouldNotContain("vrrp_strict\n");
            file.Content.ShouldContain("check_unicast_src");
            file.ContainsSecrets.ShouldBeFalse();
        }
    }

    [Fact]
    public void Advert_interval_and_interface_come_from_the_inventory()
    {
        var site = RenderedSites.Production.Site;
        var custom = site with
        {
            Vars = new Dictionary<string, Setting>(site.Vars)
            {
                [KeepalivedSettings.AdvertInt.Key] = new(0.5, null),
                [KeepalivedSettings.Interface.Key] = new("ens192", null),
            },
        };
        var file = SiteRenderer.Render(custom, "lb02", "keepalived")[0].Files.Single(f => f.Path == KeepalivedRenderer.ConfigPath);
        file.Content.ShouldContain("advert_int 0.5\n");
        file.Content.ShouldContain("vrrp_version 3\n");
        file.Content.ShouldContain("interface ens192\n");
        file.Content.ShouldContain("/24 dev ens192\n");
        using var root = new HostRoot([file]);
        var result = ConfigTest(root.PathOf(file.Path), "ens192");
        result.ExitCode.ShouldBe(0, result.Output);
        // The check is real: an interface the host does not have fails it.
        ConfigTest(root.PathOf(file.Path), "eth0").ExitCode.ShouldNotBe(0);
    }

    [Fact]
    public void Priorities_are_distinct_for_any_pool_size()
    {
        for (var n = 2; n <= 20; n++)
            for (var v = 0; v < 3; v++)
            {
                var p = Enumerable.Range(0, n).Select(i => KeepalivedRenderer.Priority(i, n, v)).ToList();
                p.Distinct().Count().ShouldBe(n);
                p.ShouldAllBe(x => x >= 1 && x <= 254);
                p.IndexOf(p.Max()).ShouldBe(v % n);
            }
    }
}

/// <summary>
/// The VIP notify script as rendered, run by /bin/sh the way keepalived runs it (address, INSTANCE, name, state,
/// priority) in a network and mount namespace of its own: the VIP on an interface there, node_exporter's textfile
/// folder on a tmpfs. It writes 1 for the VIP it holds whatever state it is told, 0 for the other, an exposition
/// promtool accepts, and refuses a name that is no label.
/// </summary>
public sealed class KeepalivedVipHeldScriptTests
{
    [Fact]
    public void The_notify_script_writes_whether_this_node_holds_the_address()
    {
        var site = RenderedSites.Production;
        var (host, script) = site.FilesAt(KeepalivedMonitoring.ScriptPath).First();
        var config = site.FilesAt(KeepalivedRenderer.ConfigPath).Single(f => f.Host.Name == host.Name).File.Content;
        var vips = site.Site.Vips.Where(v => host.RoleGroups.Contains(v.Group)).ToList();
        vips.Count.ShouldBeGreaterThanOrEqualTo(2);
        foreach (var vip in vips) config.ShouldContain($"notify \"{KeepalivedMonitoring.ScriptPath} {vip.Address}\"");

        using var root = new HostRoot([script]);
        var dir = Datalyptica.Contracts.Rendering.PlatformPaths.NodeExporterTextfiles;
        var run = $"""
            set -e
            mount -t tmpfs tmpfs {Path.GetDirectoryName(dir)}
            mkdir -p {dir}
            ip link set lo up
            ip addr add {vips[0].Address}/32 dev lo
            sh {root.PathOf(script.Path)} {vips[0].Address} INSTANCE {vips[0].Name} BACKUP 200
            sh {root.PathOf(script.Path)} {vips[1].Address} INSTANCE {vips[1].Name} MASTER 190
            if sh {root.PathOf(script.Path)} {vips[1].Address} INSTANCE 'x;touch /tmp/pwned' MASTER 190 2>/dev/null; then echo accepted; fi
            cat {KeepalivedMonitoring.MetricsFile(vips[0].Name)}
            echo ---
            cat {KeepalivedMonitoring.MetricsFile(vips[1].Name)}
            echo ---
            ls -a {dir}
            """;
        var result = Tool.Run("unshare", ["--net", "--mount", "--map-root-user", "sh", "-c", run]);
        result.ExitCode.ShouldBe(0, result.Output);
        result.Stdout.ShouldContain($"{KeepalivedMonitoring.Metric}{{vip=\"{vips[0].Name}\"}} 1");
        result.Stdout.ShouldContain($"{KeepalivedMonitoring.Metric}{{vip=\"{vips[1].Name}\"}} 0");
        result.Stdout.ShouldNotContain("accepted");
        var parts = result.Stdout.Split("---\n");
        parts.Length.ShouldBe(3, result.Output);
        parts[2].Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(f => f is not "." and not "..").Order()
            .ToList().ShouldBe([$"datalyptica_vip_{vips[0].Name}.prom", $"datalyptica_vip_{vips[1].Name}.prom"], customMessage: "no temporary or refused file is left");
        var check = Tool.Run("promtool", ["check", "metrics"], stdin: parts[0]);
        check.ExitCode.ShouldBe(0, check.Output);
    }
}

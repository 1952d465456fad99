using Datalyptica.Components.Alertmanager;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Alertmanager;

public class AlertmanagerRendererTests
{
    private static IEnumerable<RenderedSite> Sites => [RenderedSites.Production, RenderedSites.Development, RenderedSites.Staging];

    [Fact]
    public void Amtool_accepts_every_rendered_config()
    {
        foreach (var site in Sites)
        foreach (var (host, file) in site.FilesAt(AlertmanagerRenderer.ConfigPath))
        {
            using var root = new HostRoot([file]);
            var r = Tool.Run("amtool", ["check-config", root.PathOf(file.Path)]);
            r.ExitCode.ShouldBe(0, $"{site}: {host.Name}: {r.Output}");
            r.Output.ShouldContain("SUCCESS");
        }
    }

    [Fact]
    public void The_smtp_password_is_a_placeholder_in_a_private_file()
    {
        foreach (var site in Sites)
        foreach (var (_, file) in site.FilesAt(AlertmanagerRenderer.ConfigPath))
        {
            SecretPlaceholder.Find(file.Content).ShouldBe([AlertmanagerComponent.SmtpPasswordKey]);
            file.Mode.ShouldBe(Modes.Private);
            file.Group.ShouldBe("prometheus");
            var cfg = (Dictionary<object, object>)YamlText.Parse(file.Content)!;
            var inhibit = ((List<object>)cfg["inhibit_rules"]).Cast<Dictionary<object, object>>().First();
            ((List<object>)inhibit["source_matchers"]).ShouldBe(["severity=\"critical\""]);
            ((List<object>)inhibit["equal"]).ShouldContain("alertname");
            ((List<object>)inhibit["equal"]).ShouldContain("instance");
        }
    }

    [Fact]
    public void Each_member_peers_with_every_other_member_at_its_cluster_port()
    {
        foreach (var site in Sites)
        {
            var members = site.Site.HostsWith(AlertmanagerComponent.Server).ToList();
            members.Count.ShouldBeGreaterThanOrEqualTo(2);
            foreach (var host in members)
            {
                var args = site.File(host.Name, AlertmanagerRenderer.DefaultsPath).Content.Split('\n').Single(l => l.StartsWith("ARGS="))
                    .Trim('"')[6..].Split(' ');
                args.Where(a => a.StartsWith("--cluster.peer=")).Select(a => a["--cluster.peer=".Length..]).ShouldBe(
                    members.Where(m => m != host).Select(m => $"{m.Address}:{m.Port(AlertmanagerComponent.Cluster)}"), ignoreOrder: true);
                args.ShouldContain($"--cluster.listen-address={host.Address}:{host.Port(AlertmanagerComponent.Cluster)}");
                args.ShouldContain($"--cluster.advertise-address={host.Address}:{host.Port(AlertmanagerComponent.Cluster)}");
                args.ShouldContain($"--web.listen-address={host.Address}:{host.Port(AlertmanagerComponent.Http)}");
            }
        }
    }
}

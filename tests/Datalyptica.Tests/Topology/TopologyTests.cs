using System.Xml.Linq;
using Datalyptica.Profiles;
using Datalyptica.Topology;

namespace Datalyptica.Tests.Topology;

/// <summary>Issue 17: the site as a picture, each format checked by the real tool that reads it.</summary>
public sealed class TopologyTests
{
    private static readonly Lazy<SiteTopology> Production = new(() =>
        SiteTopology.Of(ProfileExpander.Expand(BuiltInProfiles.Production, kafkaClusterId: "topology-test-cluster1")));

    private static IEnumerable<string> HostNames => Production.Value.Tiers.SelectMany(t => t.Hosts).Select(h => h.Name);

    [Fact]
    public void The_svg_is_xml_with_every_host_and_quorum_and_librsvg_draws_it()
    {
        var svg = Production.Value.ToSvg();
        var doc = XDocument.Parse(svg);
        XNamespace ns = "http://www.w3.org/2000/svg";
        doc.Descendants(ns + "g").Select(g => (string?)g.Attribute("data-host")).ShouldBe(HostNames, ignoreOrder: true);
        svg.ShouldContain("etcd: coord01, coord02, coord03 (3)");
        svg.ShouldContain("VIP frontend-a");

        var dir = Directory.CreateTempSubdirectory("dl-topology-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "t.svg"), svg);
            ExternalTool.Run("rsvg-convert", ["-o", Path.Combine(dir.FullName, "t.png"), Path.Combine(dir.FullName, "t.svg")]).ExitCode.ShouldBe(0);
            new FileInfo(Path.Combine(dir.FullName, "t.png")).Length.ShouldBeGreaterThan(20_000); // 66 boxes of text, not a blank page
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void Graphviz_reads_the_dot_and_lays_out_every_host()
    {
        var dot = Production.Value.ToDot();
        var (exit, plain, errors) = ExternalTool.Run("dot", ["-Tplain"], dot);
        exit.ShouldBe(0, errors);
        var nodes = plain.Split('\n').Where(l => l.StartsWith("node ", StringComparison.Ordinal)).Select(l => l.Split(' ')[1].Trim('"')).ToList();
        HostNames.Except(nodes).ShouldBeEmpty();
        nodes.ShouldContain("vip:frontend-a");
    }

    [Fact]
    public void Mermaid_has_a_subgraph_per_tier_and_a_node_per_host()
    {
        var mermaid = Production.Value.ToMermaid();
        var lines = mermaid.Split('\n');
        lines[0].ShouldBe("flowchart LR");
        lines.Count(l => l.TrimStart().StartsWith("subgraph ", StringComparison.Ordinal)).ShouldBe(9);
        lines.Count(l => l.Trim() == "end").ShouldBe(9);
        foreach (var host in HostNames) mermaid.ShouldContain($"[\"{host}<br/>");
    }

    [Theory]
    [InlineData("a\"b\\c\nd")]
    [InlineData("<script>alert(1)</script> & ]]>")]
    public void Hostile_text_stays_text_in_every_format(string text)
    {
        SiteTopology.DotQuote(text).ShouldBe("\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n") + "\"");
        var mermaid = SiteTopology.MermaidQuote(text);
        mermaid[1..^1].ShouldNotContain("\"");
        mermaid.ShouldNotContain("<script>");
        XElement.Parse($"<t>{SiteTopology.Xml(text)}</t>").Value.ShouldBe(text);
    }
}

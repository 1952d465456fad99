using System.Globalization;
using System.Security;
using System.Text;
using Datalyptica.Components;
using Datalyptica.Model;

namespace Datalyptica.Topology;

/// <summary>One host as the pictures show it: its roles, and the quorums (odd-membered roles) it votes in.</summary>
public sealed record TopologyHost(string Name, string Address, IReadOnlyList<string> Roles, IReadOnlyList<string> Quorums, int VCpu, int RamGb);

/// <summary>A VIP and the hosts that may hold it.</summary>
public sealed record TopologyVip(string Name, string Cidr, IReadOnlyList<string> Holders);

/// <summary>
/// The site as a picture: tiers (in install order) with their hosts, the VIPs and who may hold them, and each quorum's
/// members. Three renderings: Graphviz dot, Mermaid and a self-contained SVG; each writes every site value through its
/// format's own quoting helper (the site is untrusted input).
/// </summary>
public sealed record SiteTopology(string Site, string Environment, IReadOnlyList<(Tier Tier, IReadOnlyList<TopologyHost> Hosts)> Tiers,
    IReadOnlyList<TopologyVip> Vips)
{
    public static SiteTopology Of(Site site)
    {
        var tiers = Model.Tiers.All
            .Select(t => (Tier: t, Hosts: (IReadOnlyList<TopologyHost>)site.Hosts.Where(h => h.Tier == t).Select(Host).ToList()))
            .Where(t => t.Hosts.Count > 0).ToList();
        var vips = site.Vips.Select(v => new TopologyVip(v.Name, v.Cidr,
            site.Hosts.Where(h => h.RoleGroups.Contains(v.Group)).Select(h => h.Name).ToList())).ToList();
        return new SiteTopology(site.Name, site.Environment, tiers, vips);
    }

    private static TopologyHost Host(Host h)
    {
        var quorums = h.RoleGroups.Where(g => ComponentCatalog.RolesOfGroup(g).Any(r => r.Members.MustBeOdd)).ToList();
        return new TopologyHost(h.Name, h.Address.ToString(), h.RoleGroups.Order(StringComparer.Ordinal).ToList(), quorums, h.VCpu, h.RamGb);
    }

    /// <summary>Every quorum and its members, for the legend.</summary>
    public IReadOnlyList<(string Quorum, IReadOnlyList<string> Members)> Quorums =>
        Tiers.SelectMany(t => t.Hosts).SelectMany(h => h.Quorums.Select(q => (q, h.Name)))
            .GroupBy(x => x.q).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, (IReadOnlyList<string>)g.Select(x => x.Name).ToList())).ToList();

    // ---- Graphviz dot ----

    /// <summary>A dot double-quoted string (the one quoting helper for dot).</summary>
    public static string DotQuote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\r", "") + "\"";

    public string ToDot()
    {
        var sb = new StringBuilder();
        sb.Append($"digraph {DotQuote(Site)} {{\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n");
        sb.Append($"  label={DotQuote($"{Site} ({Environment})")};\n");
        var i = 0;
        foreach (var (tier, hosts) in Tiers)
        {
            sb.Append($"  subgraph cluster_{i++} {{\n    label={DotQuote($"{tier.DisplayName()} ({hosts.Count})")};\n");
            foreach (var h in hosts)
                sb.Append($"    {DotQuote(h.Name)} [label={DotQuote($"{h.Name}\n{h.Address}\n{string.Join(", ", h.Roles)}")}" +
                          $"{(h.Quorums.Count > 0 ? ", penwidth=2" : "")}];\n");
            sb.Append("  }\n");
        }
        foreach (var vip in Vips)
        {
            sb.Append($"  {DotQuote("vip:" + vip.Name)} [shape=ellipse, label={DotQuote($"VIP {vip.Name}\n{vip.Cidr}")}];\n");
            foreach (var holder in vip.Holders) sb.Append($"  {DotQuote("vip:" + vip.Name)} -> {DotQuote(holder)} [style=dashed];\n");
        }
        sb.Append("}\n");
        return sb.ToString();
    }

    // ---- Mermaid ----

    /// <summary>A Mermaid node label in double quotes (the one quoting helper for Mermaid): quotes and markup as entities.</summary>
    public static string MermaidQuote(string text) =>
        "\"" + text.Replace("&", "#amp;").Replace("\"", "#quot;").Replace("<", "#lt;").Replace(">", "#gt;").Replace("\n", "<br/>") + "\"";

    public string ToMermaid()
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        string Id(string key) => ids.TryGetValue(key, out var id) ? id : ids[key] = "n" + ids.Count.ToString(CultureInfo.InvariantCulture);
        var sb = new StringBuilder("flowchart LR\n");
        var i = 0;
        foreach (var (tier, hosts) in Tiers)
        {
            sb.Append($"  subgraph t{i++}[{MermaidQuote($"{tier.DisplayName()} ({hosts.Count})")}]\n");
            foreach (var h in hosts) sb.Append($"    {Id(h.Name)}[{MermaidQuote($"{h.Name}\n{h.Address}\n{string.Join(", ", h.Roles)}")}]\n");
            sb.Append("  end\n");
        }
        foreach (var vip in Vips)
        {
            sb.Append($"  {Id("vip:" + vip.Name)}(({MermaidQuote($"VIP {vip.Name}\n{vip.Cidr}")}))\n");
            foreach (var holder in vip.Holders) sb.Append($"  {Id("vip:" + vip.Name)} -.-> {Id(holder)}\n");
        }
        return sb.ToString();
    }

    // ---- SVG ----

    private const int Column = 230, HostHeight = 58, Gap = 8, Top = 70, Left = 10;

    /// <summary>XML text and attribute content (the one quoting helper for SVG and HTML).</summary>
    public static string Xml(string text) => SecurityElement.Escape(text) ?? "";

    /// <summary>
    /// A self-contained SVG: one column per tier, a box per host (name, address, roles; a thick border for quorum
    /// members), the VIPs above the tier that holds them.
    /// </summary>
    public string ToSvg()
    {
        var tallest = Tiers.Count == 0 ? 0 : Tiers.Max(t => t.Hosts.Count);
        var width = Left * 2 + Math.Max(1, Tiers.Count) * Column;
        var height = Top + tallest * (HostHeight + Gap) + 40 + Quorums.Count * 16;
        var sb = new StringBuilder();
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">\n");
        sb.Append($"<rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>\n");
        sb.Append($"<text x=\"{Left}\" y=\"20\" font-size=\"15\" font-weight=\"bold\">{Xml($"{Site} ({Environment}): {Tiers.Sum(t => t.Hosts.Count)} hosts")}</text>\n");
        for (var c = 0; c < Tiers.Count; c++)
        {
            var (tier, hosts) = Tiers[c];
            var x = Left + c * Column;
            sb.Append($"<text x=\"{x}\" y=\"{Top - 8}\" font-weight=\"bold\">{Xml($"{tier.DisplayName()} ({hosts.Count})")}</text>\n");
            var vipsHere = Vips.Where(v => v.Holders.Any(holder => hosts.Any(h => h.Name == holder))).ToList();
            if (vipsHere.Count > 0)
                sb.Append($"<text x=\"{x}\" y=\"{Top - 24}\" fill=\"#8a4b00\">{Xml("VIP " + string.Join(", ", vipsHere.Select(v => $"{v.Name} {v.Cidr}")))}</text>\n");
            for (var r = 0; r < hosts.Count; r++)
            {
                var h = hosts[r];
                var y = Top + r * (HostHeight + Gap);
                sb.Append($"<g class=\"host\" data-host=\"{Xml(h.Name)}\">");
                sb.Append($"<rect x=\"{x}\" y=\"{y}\" width=\"{Column - 12}\" height=\"{HostHeight}\" rx=\"4\" fill=\"#eef4fb\" stroke=\"#2b5d8a\" stroke-width=\"{(h.Quorums.Count > 0 ? 2.5 : 1)}\"/>");
                sb.Append($"<text x=\"{x + 6}\" y=\"{y + 15}\" font-weight=\"bold\">{Xml(h.Name)}</text>");
                sb.Append($"<text x=\"{x + 6}\" y=\"{y + 29}\">{Xml($"{h.Address} · {h.VCpu} vCPU · {h.RamGb} GB")}</text>");
                sb.Append($"<text x=\"{x + 6}\" y=\"{y + 43}\" fill=\"#444444\">{Xml(Shorten(string.Join(", ", h.Roles), 40))}</text>");
                sb.Append("</g>\n");
            }
        }
        var legendY = Top + tallest * (HostHeight + Gap) + 20;
        sb.Append($"<text x=\"{Left}\" y=\"{legendY}\" font-weight=\"bold\">Quorums (thick border: a voting member)</text>\n");
        foreach (var (quorum, members) in Quorums)
            sb.Append($"<text x=\"{Left}\" y=\"{legendY += 16}\">{Xml($"{quorum}: {string.Join(", ", members)} ({members.Count})")}</text>\n");
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}

using Datalyptica.Inventory;
using Datalyptica.Sites;
using Datalyptica.Tests.Cli;

namespace Datalyptica.Tests.Inventory;

/// <summary>
/// --limit patterns (https://docs.ansible.com/ansible/latest/inventory_guide/intro_patterns.html): what each selects
/// from a site's hosts and groups, and the same patterns against the real `ansible --list-hosts`.
/// </summary>
public sealed class LimitPatternTests : IDisposable
{
    private readonly SiteFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    /// <summary>The development profile read back from disk: lb01-02, db01-03, stream01-03, proc01-03, query01-02, app01-02 and role groups.</summary>
    private InventoryGroups DevSite()
    {
        var dir = _fx.Init("development", "dev");
        var site = SiteLoader.Load(dir).Site.ShouldNotBeNull();
        return InventoryGroups.From(site);
    }

    [Theory]
    [InlineData("db01", "db01")]
    [InlineData("catalog", "db01,db02,db03")]
    [InlineData("etcd", "db01,db02,db03")]
    [InlineData("db0*", "db01,db02,db03")]
    [InlineData("db01,lb02", "lb02,db01")]
    [InlineData("db01:lb02", "lb02,db01")]
    [InlineData("catalog:&etcd", "db01,db02,db03")]
    [InlineData("catalog:!db03", "db01,db02")]
    [InlineData("!catalog:!streaming:!processing:!query:!analytics", "lb01,lb02")]
    [InlineData("catalog[0]", "db01")]
    [InlineData("catalog[-1]", "db03")]
    [InlineData("catalog[1:2]", "db02,db03")]
    [InlineData("catalog[1:]", "db02,db03")]
    [InlineData("~(db|lb)0[12]", "lb01,lb02,db01,db02")]
    [InlineData("query0?", "query01,query02")]
    [InlineData("stream0[!2]", "stream01,stream03")]
    public void A_pattern_selects_the_hosts_ansible_would(string pattern, string expected)
    {
        var match = LimitPattern.Match(pattern, DevSite());
        match.Hosts.ShouldBe(expected.Split(','), $"pattern {pattern}");
        match.Unmatched.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("all")]
    [InlineData("*")]
    public void All_and_star_select_every_host(string pattern)
    {
        var site = DevSite();
        LimitPattern.Match(pattern, site).Hosts.ShouldBe(site.Hosts);
    }

    [Fact]
    public void A_part_that_matches_nothing_is_reported_with_close_names()
    {
        var site = DevSite();
        var match = LimitPattern.Match("db01,ctalog,db9", site);
        match.Unmatched.Select(p => p.Text).ShouldBe(["ctalog", "db9"]);
        LimitPattern.CloseNames(match.Parts.Single(p => p.Text == "ctalog"), site).ShouldContain("catalog");
        LimitPattern.CloseNames(match.Parts.Single(p => p.Text == "db9"), site).ShouldContain("db01");
    }

    [Fact]
    public void A_subscript_past_the_end_matches_nothing_and_says_why()
    {
        var part = LimitPattern.Match("catalog[3]", DevSite()).Unmatched.ShouldHaveSingleItem();
        part.Note.ShouldNotBeNull().ShouldContain("has 3 host(s)");
    }

    [Fact]
    public void An_invalid_regex_is_a_format_error() =>
        Should.Throw<FormatException>(() => LimitPattern.Match("~db(", DevSite())).Message.ShouldContain("not a valid regular expression");

    [Theory]
    [InlineData("a:b", "a|b")]
    [InlineData("a,b:c", "a|b:c")]
    [InlineData("web[0:2]:&db", "web[0:2]|&db")]
    [InlineData("fe80::1", "fe80::1")]
    [InlineData("pg01:5432", "pg01:5432")]
    [InlineData(" a , b ", "a|b")]
    public void Patterns_split_as_ansible_splits_them(string pattern, string parts) =>
        LimitPattern.Split(pattern).ShouldBe(parts.Split('|'));

    [Fact]
    public void Custom_groups_of_the_inventory_are_matched_too()
    {
        var dir = _fx.Init("development", "custom");
        File.AppendAllText(Path.Combine(dir, "hosts.yml"), "    rack_a:\n      hosts:\n        db01:\n        lb01:\n");
        var site = SiteLoader.Load(dir).Site.ShouldNotBeNull();
        LimitPattern.Match("rack_a", InventoryGroups.From(site)).Hosts.ShouldBe(["lb01", "db01"]);
    }

    /// <summary>The same patterns on a hand-written inventory with ranges, nested children and shared hosts, against ansible.</summary>
    [Theory]
    [InlineData("all")]
    [InlineData("kafka")]
    [InlineData("kafka0*")]
    [InlineData("kafka:&monitoring")]
    [InlineData("kafka:!kafka0*")]
    [InlineData("monitoring:storage")]
    [InlineData("minio,ceph")]
    [InlineData("&monitoring")]
    [InlineData("!kafka*")]
    [InlineData("storage")]
    [InlineData("storage[0]")]
    [InlineData("storage[1:3]")]
    [InlineData("storage[-1]")]
    [InlineData("storage[4:]")]
    [InlineData("*[3]")]
    [InlineData("~kafka-[ab]")]
    [InlineData("~node1")]
    [InlineData("node?")]
    [InlineData("rack*-disk0[!9]")]
    [InlineData("rack*-disk0[89]")] // a subscript ([89] is index 89), not a set: nothing, in Ansible too
    [InlineData("node1,bastion")]
    public void Matches_like_ansible_list_hosts(string pattern)
    {
        var dir = InventoryTestData.Dir("ranges_and_children");
        var ours = LimitPattern.Match(pattern, InventoryGroups.From(AnsibleInventoryReader.Read(dir)));
        var output = AnsibleCli.Run("ansible", ["-i", dir, pattern, "--list-hosts"]);
        var theirs = output.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("hosts (", StringComparison.Ordinal)).ToList();
        output.ShouldContain("hosts (");
        ours.Hosts.OrderBy(h => h, StringComparer.Ordinal).ShouldBe(theirs.OrderBy(h => h, StringComparer.Ordinal), $"pattern {pattern}; ansible:\n{output}");
    }
}

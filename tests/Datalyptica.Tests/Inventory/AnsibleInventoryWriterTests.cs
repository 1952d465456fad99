using Datalyptica.Inventory;

namespace Datalyptica.Tests.Inventory;

public class AnsibleInventoryWriterTests
{
    private const string Vault = "$ANSIBLE_VAULT;1.1;AES256\n3334366230333765\n6435353434356365\n";

    /// <summary>200 hosts in 9 tiers, each tier with component child groups, group vars and host vars.</summary>
    internal static InventoryDocument LargeDocument()
    {
        var groups = new List<InventoryGroupDefinition>
        {
            new("all") { Vars = Vars(("platform", "datalyptica"), ("ansible_user", "deploy"), ("enabled", true)) },
        };
        var hosts = new List<InventoryHostDefinition>();
        var components = new[] { "kafka", "trino", "postgres", "minio" };
        var hostIndex = 0;
        for (var tier = 1; tier <= 9; tier++)
        {
            var tierName = $"tier{tier}";
            var children = new List<string>();
            for (var c = 0; c < components.Length; c++)
            {
                var groupName = $"{tierName}_{components[c]}";
                var members = new List<string>();
                var count = 200 / 9 / components.Length + (tier <= 200 % 9 && c == 0 ? 1 : 0) + (c == 0 ? 200 / 9 % components.Length : 0);
                for (var i = 0; i < count; i++)
                {
                    var name = $"t{tier}-{components[c]}-{i + 1:00}.dc.example";
                    members.Add(name);
                    hosts.Add(new InventoryHostDefinition(name)
                    {
                        Vars = Vars(("ansible_host", $"10.{tier}.{c}.{i + 10}"), ("node_id", ++hostIndex), ("rack", i % 2 == 0 ? "on" : "0755")),
                    });
                }
                children.Add(groupName);
                groups.Add(new InventoryGroupDefinition(groupName)
                {
                    Hosts = members,
                    Vars = Vars(("component", components[c]), ("heap", "1.0"), ("replicas", c + 1), ("ratio", 0.75), ("flags", new[] { "yes", "no", "x: y" })),
                });
            }
            groups.Add(new InventoryGroupDefinition(tierName)
            {
                Children = children,
                Vars = Vars(("tier", tier), ("component", "tier-default"), ("secret", new VaultedValue(Vault, InventoryValue.Generated))),
            });
        }
        // A cross-cutting group that reuses tier children: exercises a group with several parents.
        groups.Add(new InventoryGroupDefinition("kafka") { Children = Enumerable.Range(1, 9).Select(t => $"tier{t}_kafka").ToList(), Vars = Vars(("component", "kafka-wins")) });
        hosts.Count.ShouldBe(200);
        return new InventoryDocument { Groups = groups, Hosts = hosts };
    }

    private static Dictionary<string, InventoryValue> Vars(params (string Key, object? Value)[] entries) =>
        entries.ToDictionary(e => e.Key, e => InventoryValue.From(e.Value));

    [Fact]
    public void Large_written_inventory_round_trips_and_reads_like_ansible_inventory()
    {
        using var dir = new TempDir();
        var doc = LargeDocument();
        AnsibleInventoryWriter.Write(dir.Path, doc);

        var read = AnsibleInventoryReader.Read(dir.Path);
        ShouldRoundTrip(doc, read);
        // The component group (depth 2) beats both its parents (depth 1), whatever their names.
        read.FindHost("t1-kafka-01.dc.example")!.Vars["component"].ToJsonNode()!.GetValue<string>().ShouldBe("kafka");
        read.ShouldMatchAnsible(AnsibleCli.InventoryList(dir.Path));
    }

    [Fact]
    public void Output_is_deterministic_and_quotes_strings_yaml_1_1_would_mistype()
    {
        using var first = new TempDir();
        using var second = new TempDir();
        var doc = new InventoryDocument
        {
            Groups = [new("web") { Hosts = ["web01"], Vars = Vars(("b", "yes"), ("a", "0755"), ("c", "1.0"), ("d", "on"), ("e", "null"), ("f", "a: b"), ("g", "plain text"), ("h", "")) }],
            Hosts = [new("web01") { Vars = Vars(("secret", new VaultedValue(Vault, InventoryValue.Generated)), ("big", 1e20)) }],
        };
        AnsibleInventoryWriter.Write(first.Path, doc);
        AnsibleInventoryWriter.Write(second.Path, doc);

        foreach (var file in new[] { "hosts.yml", "group_vars/web.yml", "host_vars/web01.yml" })
            File.ReadAllBytes(Path.Combine(first.Path, file)).ShouldBe(File.ReadAllBytes(Path.Combine(second.Path, file)));
        File.ReadAllText(Path.Combine(first.Path, "group_vars/web.yml")).ShouldBe(
            AnsibleInventoryWriter.Header + "\n" +
            "a: \"0755\"\nb: \"yes\"\nc: \"1.0\"\nd: \"on\"\ne: \"null\"\nf: \"a: b\"\ng: plain text\nh: \"\"\n");
        File.ReadAllText(Path.Combine(first.Path, "host_vars/web01.yml")).ShouldBe(
            AnsibleInventoryWriter.Header + "\n" +
            "big: 1.0e+20\nsecret: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3334366230333765\n  6435353434356365\n");
        File.ReadAllText(Path.Combine(first.Path, "hosts.yml")).ShouldStartWith(AnsibleInventoryWriter.Header);

        ShouldRoundTrip(doc, AnsibleInventoryReader.Read(first.Path));
    }

    [Fact]
    public void Stale_generated_vars_files_are_removed_but_hand_written_ones_kept()
    {
        using var dir = new TempDir();
        AnsibleInventoryWriter.Write(dir.Path, new InventoryDocument { Groups = [new("old") { Hosts = ["h1"], Vars = Vars(("x", 1)) }] });
        var handWritten = dir.Write("group_vars/mine.yml", "y: 2\n");
        AnsibleInventoryWriter.Write(dir.Path, new InventoryDocument { Groups = [new("new") { Hosts = ["h1"] }] });

        File.Exists(Path.Combine(dir.Path, "group_vars/old.yml")).ShouldBeFalse();
        File.Exists(handWritten).ShouldBeTrue();
    }

    [Theory]
    [InlineData("web[01:02]")]
    [InlineData("web01:22")]
    public void Host_names_ansible_would_expand_are_rejected(string host)
    {
        using var dir = new TempDir();
        Should.Throw<ArgumentException>(() => AnsibleInventoryWriter.Write(dir.Path, new InventoryDocument { Groups = [new("g") { Hosts = [host] }] }))
            .Message.ShouldContain(host);
    }

    private static void ShouldRoundTrip(InventoryDocument doc, AnsibleInventory read)
    {
        foreach (var group in doc.Groups.Where(g => g.Name != "all"))
        {
            var actual = read.FindGroup(group.Name).ShouldNotBeNull();
            actual.Children.ShouldBe(group.Children);
            actual.Hosts.ShouldBe(group.Hosts);
            SameVars(actual.Vars, group.Vars, group.Name);
        }
        SameVars(read.FindGroup("all")!.Vars, doc.Groups.FirstOrDefault(g => g.Name == "all")?.Vars ?? new Dictionary<string, InventoryValue>(), "all");
        foreach (var host in doc.Hosts)
        {
            var actual = read.FindHost(host.Name).ShouldNotBeNull();
            foreach (var (key, value) in host.Vars)
                InventoryComparison.Canonical(actual.Vars[key].ToJsonNode()).ShouldBe(InventoryComparison.Canonical(value.ToJsonNode()), $"{host.Name}.{key}");
        }
    }

    private static void SameVars(IReadOnlyDictionary<string, InventoryValue> actual, IReadOnlyDictionary<string, InventoryValue> expected, string owner)
    {
        actual.Keys.Order(StringComparer.Ordinal).ShouldBe(expected.Keys.Order(StringComparer.Ordinal), $"vars of {owner}");
        foreach (var (key, value) in expected)
            InventoryComparison.Canonical(actual[key].ToJsonNode()).ShouldBe(InventoryComparison.Canonical(value.ToJsonNode()), $"{owner}.{key}");
    }
}

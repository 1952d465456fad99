using System.Text.Json.Nodes;
using Datalyptica.Inventory;

namespace Datalyptica.Tests.Inventory;

public class HostPatternTests
{
    [Theory]
    [InlineData("kafka[01:03]", "kafka01,kafka02,kafka03")]
    [InlineData("node[1:10:3]", "node1,node4,node7,node10")]
    [InlineData("db-[a:c]", "db-a,db-b,db-c")]
    [InlineData("db-[a:e:2]", "db-a,db-c,db-e")]
    [InlineData("[8:10]x", "8x,9x,10x")]
    [InlineData("r[1:2]-d[08:09]", "r1-d08,r1-d09,r2-d08,r2-d09")]
    [InlineData("n[:2]", "n0,n1,n2")]
    [InlineData("plain.example.com", "plain.example.com")]
    [InlineData("fe80::1", "fe80::1")]
    public void Expands_like_ansible(string pattern, string expected) =>
        string.Join(',', HostPattern.Expand(pattern).HostNames).ShouldBe(expected);

    [Fact]
    public void Port_suffix_is_split_off() =>
        HostPattern.Expand("web[1:2]:2222").ShouldSatisfyAllConditions(
            e => e.Port.ShouldBe(2222),
            e => e.HostNames.ShouldBe(["web1", "web2"]));

    [Theory]
    [InlineData("kafka[01:x]", "two numbers")]
    [InlineData("kafka[01:100]", "same number of digits")]
    [InlineData("kafka[1]", "[begin:end]")]
    [InlineData("kafka[1:]", "no end value")]
    [InlineData("kafka[1:3:0]", "positive whole number")]
    [InlineData("kafka[c:a]", "begin <= end")]
    [InlineData("kafka[1:3", "closing ']'")]
    public void Bad_ranges_explain_the_fix(string pattern, string hint) =>
        Should.Throw<FormatException>(() => HostPattern.Expand(pattern)).Message.ShouldContain(hint);
}

public class Yaml11TypingTests
{
    private static JsonNode? Plain(string text) => Yaml11.ResolvePlain(text, InventoryValue.Generated).ToJsonNode();

    [Theory]
    [InlineData("yes", "true")] [InlineData("No", "false")] [InlineData("ON", "true")] [InlineData("off", "false")]
    [InlineData("y", "\"y\"")] [InlineData("0x1F", "31")] [InlineData("0755", "493")] [InlineData("0b101", "5")]
    [InlineData("1_000", "1000")] [InlineData("190:20:30", "685230")] [InlineData("0o17", "\"0o17\"")] [InlineData("08", "\"08\"")]
    [InlineData("1.0", "1.0")] [InlineData("1e3", "\"1e3\"")] [InlineData("1.0e+20", "1e+20")] [InlineData(".5", "0.5")]
    [InlineData("~", "null")] [InlineData("", "null")] [InlineData("Null", "null")] [InlineData("2001-12-14", "\"2001-12-14\"")]
    [InlineData("1e-5", "\"1e-5\"")] [InlineData("123456789012345678901234567890", "123456789012345678901234567890")]
    public void Plain_scalars_are_typed_like_pyyaml(string text, string json) =>
        (Plain(text)?.ToJsonString() ?? "null").ShouldBe(json);

    [Theory]
    [InlineData(1.0, "1.0")] [InlineData(1e16, "1e+16")] [InlineData(1e15, "1000000000000000.0")] [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")] [InlineData(-2.5, "-2.5")] [InlineData(685230.15, "685230.15")] [InlineData(1.5e-7, "1.5e-07")]
    public void Floats_print_like_python_repr(double value, string expected) => Yaml11.PythonFloatRepr(value).ShouldBe(expected);

    [Fact]
    public void Quoted_scalars_stay_strings_and_vault_is_kept_encrypted()
    {
        var value = (InventoryMapping)YamlFileLoader.Load("a: 'yes'\nb: \"0755\"\nc: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n", "f.yml")!;
        value["a"]!.ToJsonNode()!.GetValue<string>().ShouldBe("yes");
        value["b"]!.ToJsonNode()!.GetValue<string>().ShouldBe("0755");
        var vault = value["c"].ShouldBeOfType<VaultedValue>();
        vault.Ciphertext.ShouldBe("$ANSIBLE_VAULT;1.1;AES256\n6162\n");
        vault.Location.ShouldBe(new SourceLocation("f.yml", 3, 1));
        vault.ToJsonNode()["__ansible_vault"]!.GetValue<string>().ShouldBe(vault.Ciphertext);
    }
}

public class AnsibleInventoryReaderTests
{
    [Fact]
    public void Precedence_follows_depth_then_priority_then_name_and_files_beat_inventory()
    {
        using var dir = new TempDir();
        dir.Write("hosts.yml", """
            all:
              vars: {v: all, w: all}
              children:
                b_parent:
                  vars: {v: b_parent, p: b_parent}
                  children:
                    child:
                      hosts:
                        h1: {hv: inventory}
                      vars: {v: child}
                a_parent:
                  vars: {v: a_parent, p: a_parent, ansible_group_priority: 5}
                  hosts:
                    h1:
            """);
        dir.Write("group_vars/all.yml", "w: all-file\n");
        dir.Write("group_vars/a_parent.yml", "v: a_parent-file\n");
        dir.Write("host_vars/h1.yml", "hv: host-file\n");

        var inventory = AnsibleInventoryReader.Read(dir.Path);
        var h1 = inventory.FindHost("h1")!;
        string V(string name) => h1.Vars[name].ToJsonNode()!.GetValue<string>();

        V("p").ShouldBe("a_parent");       // same depth: priority 5 beats default 1 despite the name order
        V("v").ShouldBe("a_parent-file");  // any group_vars file beats every inventory-file group var
        V("w").ShouldBe("all-file");
        V("hv").ShouldBe("host-file");
        h1.Vars.ShouldNotContainKey("ansible_group_priority");
        h1.Groups.ShouldBe(["all", "b_parent", "a_parent", "child"]);
        inventory.FindGroup("child")!.Depth.ShouldBe(2);
        inventory.FindGroup("a_parent")!.Priority.ShouldBe(5);
        h1.Vars["v"].Location.File.ShouldEndWith(Path.Combine("group_vars", "a_parent.yml"));
        h1.Vars["v"].Location.Line.ShouldBe(1);
    }

    [Fact]
    public void Locations_point_at_keys_of_vars_hosts_and_groups()
    {
        using var dir = new TempDir();
        var file = dir.Write("hosts.yml", "all:\n  children:\n    etcd:\n      hosts:\n        etcd[1:2]:\n          etcd_members:\n            - a\n");
        var inventory = AnsibleInventoryReader.Read(dir.Path);
        inventory.Path.ShouldBe(Path.GetFullPath(file));
        inventory.FindHost("etcd2")!.Location.ShouldBe(new SourceLocation(inventory.Path, 5, 9));
        inventory.FindGroup("etcd")!.Location.ShouldBe(new SourceLocation(inventory.Path, 3, 5));
        var members = inventory.FindHost("etcd1")!.Vars["etcd_members"];
        members.Location.ShouldBe(new SourceLocation(inventory.Path, 6, 11));
        ((InventorySequence)members).Items[0].Location.ShouldBe(new SourceLocation(inventory.Path, 7, 15));
    }

    [Fact]
    public void Hosts_only_in_all_are_ungrouped_and_groups_track_membership()
    {
        using var dir = new TempDir();
        dir.Write("hosts.yaml", "all:\n  hosts:\n    solo:\n    both:\n  children:\n    g:\n      hosts:\n        both:\n");
        var inventory = AnsibleInventoryReader.Read(dir.Path);
        inventory.FindGroup("ungrouped")!.Hosts.ShouldBe(["solo"]);
        inventory.FindGroup("all")!.Children.ShouldBe(["ungrouped", "g"]);
        inventory.FindHost("both")!.Groups.ShouldBe(["all", "g"]);
    }

    private static InventoryException ReadError(string hostsYml, params (string Path, string Content)[] extra)
    {
        using var dir = new TempDir();
        dir.Write("hosts.yml", hostsYml);
        foreach (var (path, content) in extra) dir.Write(path, content);
        return Should.Throw<InventoryException>(() => AnsibleInventoryReader.Read(dir.Path));
    }

    [Fact]
    public void Bad_range_names_file_line_and_fix()
    {
        var e = ReadError("all:\n  hosts:\n    kafka[01:x]:\n");
        e.Message.ShouldContain("hosts.yml:3:5:");
        e.Message.ShouldContain("kafka[01:x]");
        e.Message.ShouldContain("two numbers");
    }

    [Fact]
    public void Hosts_as_list_names_file_line_and_fix()
    {
        var e = ReadError("all:\n  children:\n    web:\n      hosts:\n        - web01\n");
        e.Message.ShouldContain("hosts.yml:4:7:");
        e.Message.ShouldContain("'hosts' of group 'web' must be a mapping, but it is a list");
        e.Message.ShouldContain("no '- ' list dashes");
    }

    [Fact]
    public void Host_that_is_also_a_group_is_rejected()
    {
        var e = ReadError("all:\n  children:\n    db:\n      hosts:\n        web:\n    web:\n");
        e.Message.ShouldContain("hosts.yml:5:9:");
        e.Message.ShouldContain("'web' is both a host and a group");
        e.Message.ShouldContain("Rename");
    }

    [Fact]
    public void Invalid_yaml_reports_the_parser_line()
    {
        var e = ReadError("all:\n  hosts:\n    a: [1, 2\n    b: 3\n");
        e.Message.ShouldMatch(@"hosts\.yml:[34]:\d+: invalid YAML");
        e.Location!.Line.ShouldBeInRange(3, 4);
    }

    [Fact]
    public void Vars_file_that_is_not_a_mapping_is_rejected()
    {
        var e = ReadError("all:\n  hosts:\n    h:\n", ("group_vars/all.yml", "- a\n- b\n"));
        e.Message.ShouldContain(Path.Combine("group_vars", "all.yml") + ":1:1:");
        e.Message.ShouldContain("must be a mapping");
    }

    [Fact]
    public void Vaulted_file_without_a_password_says_how_to_fix()
    {
        var e = ReadError("all:\n  hosts:\n    h:\n", ("host_vars/h.yml", "$ANSIBLE_VAULT;1.1;AES256\n6162\n"));
        e.Message.ShouldContain(Path.Combine("host_vars", "h.yml") + ":1:1:");
        e.Message.ShouldContain("vault password");
    }

    [Fact]
    public void Group_loop_is_rejected()
    {
        var e = ReadError("all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a:\n");
        e.Message.ShouldContain("hosts.yml:5:9:"); // the edge that closes the loop
        e.Message.ShouldContain("creates a loop");
    }

    [Fact]
    public void Directory_without_inventory_lists_the_names_tried()
    {
        using var dir = new TempDir();
        Should.Throw<InventoryException>(() => AnsibleInventoryReader.Read(dir.Path)).Message.ShouldContain("hosts.yml, hosts.yaml");
    }
}

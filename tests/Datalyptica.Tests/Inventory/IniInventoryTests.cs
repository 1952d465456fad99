using Datalyptica.Inventory;

namespace Datalyptica.Tests.Inventory;

/// <summary>Issue 17: INI inventories (the values and errors; the whole file is cross-checked with ansible-inventory).</summary>
public sealed class IniInventoryTests
{
    private static readonly SourceLocation At = new("hosts", 1, 1);

    [Theory]
    [InlineData("22", "22")]
    [InlineData("-3", "-3")]
    [InlineData("0x1F", "31")]
    [InlineData("1_000", "1000")]
    [InlineData("1.5", "1.5")]
    [InlineData("1e3", "1000.0")]
    [InlineData("True", "true")]
    [InlineData("None", "null")]
    [InlineData("'a b'", "\"a b\"")]
    [InlineData("'a' \"b\"", "\"ab\"")]
    [InlineData("[1, 'x', [2]]", "[1,\"x\",[2]]")]
    [InlineData("(1,)", "[1]")]
    [InlineData("(7)", "7")]
    [InlineData("{'k': 'v'}", "{\"k\":\"v\"}")]
    [InlineData("yes", "\"yes\"")]
    [InlineData("010", "\"010\"")]
    [InlineData("10.0.1.5", "\"10.0.1.5\"")]
    [InlineData("/srv/data", "\"/srv/data\"")]
    [InlineData("[1, 2", "\"[1, 2\"")]
    [InlineData("{1: 'a'}", "\"{1: 'a'}\"")]
    [InlineData("42 # answer", "42")]
    [InlineData("text # not a literal", "\"text # not a literal\"")]
    public void Values_are_what_pythons_literal_eval_gives_else_the_text(string text, string json) =>
        (IniSyntax.Value(text, At).ToJsonNode()?.ToJsonString(Relaxed) ?? "null").ShouldBe(json);

    private static readonly System.Text.Json.JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Theory]
    [InlineData("web01 a=1 b='two words'", new[] { "web01", "a=1", "b=two words" })]
    [InlineData("web01 a=\"x\\\"y\" # comment", new[] { "web01", "a=x\"y" })]
    [InlineData("web01 a=b#c d=e", new[] { "web01", "a=b" })]
    [InlineData("web01 a=x\\ y", new[] { "web01", "a=x y" })]
    public void Host_lines_split_like_shlex(string line, string[] words) => IniSyntax.ShlexSplit(line).ShouldBe(words);

    [Theory]
    [InlineData("[db:vars]\nx=1\n", "section [db:vars] is for a group that is never declared", 1)]
    [InlineData("[p:children]\nmissing\n", "names group 'missing', which is never declared", 2)]
    [InlineData("[db]\nweb01 a='open\n", "cannot read the host line", 2)]
    [InlineData("[db]\nweb01 notkv\n", "'notkv' after host 'web01' is not a key=value", 2)]
    [InlineData("[db:weird]\n", "unknown type 'weird'", 1)]
    [InlineData("[db x]\n", "is not a valid section", 1)]
    [InlineData("[db]\nweb01:\n", "ends in ':'", 2)]
    public void Mistakes_are_refused_with_the_line_and_the_fix(string ini, string message, int line)
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "hosts"), ini);
        var e = Should.Throw<InventoryException>(() => AnsibleInventoryReader.Read(dir.Path));
        e.Message.ShouldContain(message);
        e.Message.ShouldContain($"hosts:{line}:");
    }

    [Fact]
    public void A_yaml_file_is_read_as_yaml_and_anything_else_as_ini()
    {
        AnsibleInventoryReader.IsYaml("site/hosts.yml").ShouldBeTrue();
        AnsibleInventoryReader.IsYaml("site/hosts.json").ShouldBeTrue();
        AnsibleInventoryReader.IsYaml("site/hosts").ShouldBeFalse();
        AnsibleInventoryReader.IsYaml("site/inventory.ini").ShouldBeFalse();
    }
}

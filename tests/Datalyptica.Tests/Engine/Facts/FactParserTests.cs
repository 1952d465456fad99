using System.Text.Json;
using System.Text.Json.Nodes;
using Datalyptica.Engine.Facts;

namespace Datalyptica.Tests.Engine.Facts;

/// <summary>Fixture cases (STYLE.md pyinfra): raw fact script output paired with the parsed fact, garbage included.</summary>
public class FactParserTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Fixtures.Folder("Cases"), "*.json").Order()) data.Add(Path.GetFileNameWithoutExtension(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parse_fixture_gives_the_expected_fact(string name)
    {
        var fixture = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.Folder("Cases"), name + ".json")))!;
        var facts = FactParser.Parse(fixture["output"]!.GetValue<string>());
        JsonSubset.ShouldContain(JsonSerializer.SerializeToNode(facts, Web), fixture["fact"]);
    }

    [Fact]
    public void Absent_lookups_return_the_defined_absent_values()
    {
        var facts = FactParser.Parse("end\n");
        facts.File("/nope").ShouldBe(FileFact.Absent);
        facts.Directory("/nope").ShouldBe(DirectoryFact.Absent);
        facts.Package("nope").ShouldBe(PackageFact.NotInstalled);
        facts.Unit("nope").ShouldBe(UnitFact.NotFound);
        facts.Link("/nope").ShouldBe(LinkFact.Absent);
        facts.SysctlValue("vm.nope").ShouldBeNull();
    }

    [Theory]
    [InlineData("systemd-nspawn", "no", "", true, "systemd-nspawn")]
    [InlineData("none", "no", "lxc", true, "lxc")]
    [InlineData("", "yes", "", true, "container")]
    [InlineData("none", "no", "", false, "none")]
    public void Container_detection_uses_any_of_three_signals(string detect, string env, string pid1, bool isContainer, string kind)
    {
        var info = FactParser.ParseContainer(detect, env, pid1);
        info.IsContainer.ShouldBe(isContainer);
        info.Kind.ShouldBe(kind);
    }
}

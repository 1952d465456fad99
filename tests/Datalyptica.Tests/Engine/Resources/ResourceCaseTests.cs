using System.Text.Json;
using System.Text.Json.Nodes;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Resources;
using Datalyptica.Secrets;

namespace Datalyptica.Tests.Engine.Resources;

/// <summary>
/// Data-driven resource tests (STYLE.md §6, pyinfra's tests/operations): one folder per resource, one JSON file per
/// case with args, facts, secrets and what changed before; expected changes (action, reason, commands) or noop reason or error.
/// </summary>
public class ResourceCaseTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        var root = Fixtures.Folder("Cases");
        foreach (var file in Directory.GetFiles(root, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(root, file)[..^".json".Length]);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Resource_case(string name)
    {
        var fixture = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.Folder("Cases"), name + ".json")))!.AsObject();
        var kind = name.Split('/')[0];
        var facts = fixture["facts"]?.Deserialize<HostFacts>(Web) ?? new HostFacts();
        var secrets = fixture["secrets"]?.Deserialize<Dictionary<string, string>>() ?? [];
        var context = new PlanContext
        {
            Root = fixture["root"]?.GetValue<string>() ?? "",
            ResolveSecret = n => secrets.TryGetValue(n, out var v) ? new Secret(v) : null,
            Masker = new SecretMasker(secrets.Values.Select(v => new Secret(v))),
        };
        foreach (var id in fixture["changed"]?.AsArray() ?? []) context.Changed.Add(id!.GetValue<string>());

        if (fixture["error"] is { } error)
        {
            var ex = Should.Throw<Exception>(() => { var r = Build(kind, fixture["args"]!); r.Require(new FactQuery()); r.Plan(facts, context); });
            ex.Message.ShouldContain(error.GetValue<string>());
            return;
        }

        var resource = Build(kind, fixture["args"]!);
        resource.Require(new FactQuery());
        var plan = resource.Plan(facts, context);
        if (fixture["noop"] is { } noop)
        {
            plan.Changes.ShouldBeEmpty();
            plan.NoopReason.ShouldBe(noop.GetValue<string>());
            return;
        }
        var actual = new JsonArray(plan.Changes.Select(c => (JsonNode)new JsonObject
        {
            ["action"] = c.Action.ToString(),
            ["reason"] = c.Reason,
            ["sensitive"] = c.Sensitive,
            ["commands"] = new JsonArray(c.Steps.Select(s => (JsonNode)JsonValue.Create(s.Display)!).ToArray()),
            ["diff"] = c.Diff,
        }).ToArray());
        JsonSubset.ShouldContain(actual, fixture["changes"]);
        // Secrets never reach a plan: not in reasons, commands, diffs or step text.
        var serialized = JsonSerializer.Serialize(plan.Changes, Web);
        foreach (var value in secrets.Values) serialized.ShouldNotContain(value);
    }

    private static IResource Build(string kind, JsonNode a)
    {
        string S(string key) => a[key]!.GetValue<string>();
        string? O(string key) => a[key]?.GetValue<string>();
        List<string> L(string key) => a[key]?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? [];
        UnixFileMode? Mode(string key) => O(key) is { } m ? (UnixFileMode)Convert.ToInt32(m, 8) : null;
        return kind switch
        {
            "file" => new FileResource(S("path"), S("content"), "test")
            {
                Owner = O("owner") ?? "root", Group = O("group") ?? "root", Mode = Mode("mode") ?? Modes.Public,
                Kind = O("kind") is { } k ? Enum.Parse<FileKind>(k, true) : FileKind.Config,
            },
            "directory" => new DirectoryResource(S("path"), "test") { Owner = O("owner"), Group = O("group"), Mode = Mode("mode") },
            "package" => new PackageResource(L("names"), "test") { Manager = O("manager") == "dnf" ? PackageManager.Dnf : PackageManager.Apt },
            "sysctl" => SysctlResource.FromFile(S("path"), S("content"), "os-base"),
            "service" => new SystemdServiceResource(S("unit"), "test")
            {
                State = O("state") == "masked" ? ServiceState.Masked : ServiceState.Running,
                Inputs = L("inputs"), UnitFiles = L("unitFiles"), ReloadInputs = L("reloadInputs"), MaskReason = O("maskReason"),
            },
            "command" => new CommandResource(S("name"), S("command"), "test") { Creates = O("creates"), Unless = O("unless"), OnChangeOf = L("onChangeOf") },
            "artifact" => new ArtifactResource(S("component"), S("version"), O("url") is { } url ? new ArtifactSource(url, S("sha512")) : null),
            _ => throw new InvalidOperationException($"no resource kind '{kind}' (folder name)"),
        };
    }
}

using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Datalyptica.Inventory;

namespace Datalyptica.Tests.Inventory;

internal static class InventoryTestData
{
    /// <summary>Test data lives next to this source file, so no csproj copy rule is needed.</summary>
    public static string Dir(string name, [CallerFilePath] string sourceFile = "") =>
        Path.Combine(Path.GetDirectoryName(sourceFile)!, "Data", name);
}

/// <summary>A temp directory deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dl-inv-" + Guid.NewGuid().ToString("N")[..12]);

    public string Write(string relativePath, string content)
    {
        var full = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Runs the real ansible tools in an isolated environment (temp HOME, no ansible.cfg, yaml plugin only).</summary>
internal static class AnsibleCli
{
    public static string Run(string tool, IEnumerable<string> args, IDictionary<string, string>? extraEnv = null)
    {
        using var home = new TempDir();
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // A neutral working directory: ansible-inventory also loads play-adjacent group_vars from it.
            WorkingDirectory = home.Path,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["HOME"] = home.Path;
        start.Environment["ANSIBLE_LOCAL_TEMP"] = System.IO.Path.Combine(home.Path, "tmp");
        start.Environment["ANSIBLE_CONFIG"] = System.IO.Path.Combine(home.Path, "ansible.cfg"); // does not exist: defaults only
        start.Environment["ANSIBLE_INVENTORY_ENABLED"] = "yaml,ini"; // in Ansible's default order: *.yml by yaml, the rest by ini
        start.Environment["ANSIBLE_INVENTORY_UNPARSED_FAILED"] = "True"; // fail instead of warning and printing an empty inventory
        start.Environment["ANSIBLE_DEPRECATION_WARNINGS"] = "False";
        start.Environment["ANSIBLE_NOCOLOR"] = "1";
        foreach (var (k, v) in extraEnv ?? new Dictionary<string, string>()) start.Environment[k] = v;

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"'{tool}' is not on PATH. The Ansible cross-check tests need ansible-core (e.g. 'apt-get install ansible-core' or 'pip install ansible-core').", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{tool} did not finish within 60 s");
            }
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed ({process.ExitCode}):\n{stderr.Result}");
            return stdout.Result;
        }
    }

    public static JsonObject InventoryList(string inventoryPath, IDictionary<string, string>? extraEnv = null) =>
        JsonNode.Parse(Run("ansible-inventory", ["-i", inventoryPath, "--list"], extraEnv))!.AsObject();
}

/// <summary>Compares our reading with ansible-inventory --list output.</summary>
internal static class InventoryComparison
{
    /// <summary>What our model should print as ansible-inventory --list.</summary>
    public static JsonObject ToAnsibleListJson(AnsibleInventory inventory)
    {
        var hostvars = new JsonObject();
        foreach (var host in inventory.Hosts)
        {
            var vars = new JsonObject();
            foreach (var (name, value) in host.Vars) vars[name] = value.ToJsonNode();
            hostvars[host.Name] = vars;
        }
        var result = new JsonObject { ["_meta"] = new JsonObject { ["hostvars"] = hostvars } };
        foreach (var group in inventory.Groups)
        {
            var entry = new JsonObject();
            if (group.Name != "all" && group.Hosts.Count > 0) entry["hosts"] = new JsonArray(group.Hosts.Select(h => (JsonNode)h).ToArray());
            if (group.Children.Count > 0) entry["children"] = new JsonArray(group.Children.Select(c => (JsonNode)c).ToArray());
            if (entry.Count > 0) result[group.Name] = entry;
        }
        return result;
    }

    /// <summary>Asserts equality per host and per group so a failure names what differs.</summary>
    public static void ShouldMatchAnsible(this AnsibleInventory inventory, JsonObject ansible)
    {
        var ours = ToAnsibleListJson(inventory);
        var theirHostVars = ansible["_meta"]!["hostvars"]!.AsObject();
        var ourHostVars = ours["_meta"]!["hostvars"]!.AsObject();
        ourHostVars.Select(h => h.Key).Order(StringComparer.Ordinal)
            .ShouldBe(theirHostVars.Select(h => h.Key).Order(StringComparer.Ordinal), "host names");
        foreach (var (host, theirs) in theirHostVars)
            Canonical(ourHostVars[host]).ShouldBe(Canonical(theirs), $"hostvars of {host}");

        var theirGroups = ansible.Where(g => g.Key != "_meta").Select(g => g.Key).Order(StringComparer.Ordinal).ToList();
        var ourGroups = ours.Where(g => g.Key != "_meta").Select(g => g.Key).Order(StringComparer.Ordinal).ToList();
        ourGroups.ShouldBe(theirGroups, "groups listed");
        foreach (var group in theirGroups)
            Canonical(ours[group]).ShouldBe(Canonical(ansible[group]), $"members of group {group}");
    }

    /// <summary>JSON text with object keys sorted (list order kept) and numbers as written.</summary>
    public static string Canonical(JsonNode? node) => Sort(node)?.ToJsonString(Options) ?? "null";

    private static readonly JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static JsonNode? Sort(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sort(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Sort).ToArray()),
        null => null,
        _ => JsonNode.Parse(node.ToJsonString()),
    };
}

using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Datalyptica.Inventory;

/// <summary>
/// Writes an <see cref="InventoryDocument"/> as hosts.yml + group_vars/NAME.yml + host_vars/NAME.yml.
/// Output bytes depend only on the document: list order is kept, variable keys are sorted, LF line endings, UTF-8 without BOM.
/// </summary>
public static partial class AnsibleInventoryWriter
{
    // Sites are the user's to edit after init; only `init --force` / `inventory generate --force` write them again.
    public const string Header = "# Written by datalyptica (init). Edit freely; `datalyptica init --force` rewrites this file.";

    private static readonly UTF8Encoding Utf8NoBom = new(false);

    public static void Write(string directory, InventoryDocument doc)
    {
        var groups = Validate(doc);
        Directory.CreateDirectory(directory);
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["hosts.yml"] = RenderHostsFile(doc, groups),
        };
        foreach (var group in doc.Groups.Where(g => g.Vars.Count > 0))
            files[Path.Combine("group_vars", group.Name + ".yml")] = RenderVarsFile(group.Vars);
        foreach (var host in doc.Hosts.Where(h => h.Vars.Count > 0))
            files[Path.Combine("host_vars", host.Name + ".yml")] = RenderVarsFile(host.Vars);

        RemoveStaleGeneratedFiles(directory, files.Keys);
        foreach (var (relative, content) in files)
        {
            var full = Path.Combine(directory, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content, Utf8NoBom);
        }
    }

    /// <summary>Vars files we generated earlier for groups/hosts that no longer exist would otherwise still be read by Ansible.</summary>
    private static void RemoveStaleGeneratedFiles(string directory, IEnumerable<string> keep)
    {
        var kept = keep.Select(k => Path.GetFullPath(Path.Combine(directory, k))).ToHashSet(StringComparer.Ordinal);
        foreach (var sub in new[] { "group_vars", "host_vars" })
        {
            var dir = Path.Combine(directory, sub);
            if (!Directory.Exists(dir)) continue;
            foreach (var file in Directory.EnumerateFiles(dir, "*.yml"))
            {
                if (kept.Contains(Path.GetFullPath(file))) continue;
                using (var reader = new StreamReader(file))
                    if (reader.ReadLine() != Header) continue;
                File.Delete(file);
            }
        }
    }

    private static Dictionary<string, InventoryGroupDefinition> Validate(InventoryDocument doc)
    {
        var groups = new Dictionary<string, InventoryGroupDefinition>(StringComparer.Ordinal);
        foreach (var g in doc.Groups)
        {
            if (string.IsNullOrWhiteSpace(g.Name)) throw new ArgumentException("A group name is empty.");
            if (!groups.TryAdd(g.Name, g)) throw new ArgumentException($"Group '{g.Name}' is defined twice.");
        }
        var hostNames = doc.Hosts.Select(h => h.Name).Concat(doc.Groups.SelectMany(g => g.Hosts)).ToHashSet(StringComparer.Ordinal);
        if (doc.Hosts.Select(h => h.Name).Distinct(StringComparer.Ordinal).Count() != doc.Hosts.Count)
            throw new ArgumentException("A host is defined twice in InventoryDocument.Hosts.");
        foreach (var host in hostNames)
        {
            if (groups.ContainsKey(host)) throw new ArgumentException($"'{host}' is both a host and a group.");
            // A name Ansible would expand as a range or split into host:port cannot be written literally.
            var expansion = HostPattern.Expand(host);
            if (expansion.Port != null || expansion.HostNames.Count != 1 || expansion.HostNames[0] != host || string.IsNullOrWhiteSpace(host))
                throw new ArgumentException($"Host name '{host}' would be read back as a range or host:port; use a plain host name.");
        }
        foreach (var g in doc.Groups)
            foreach (var child in g.Children)
            {
                if (!groups.ContainsKey(child)) throw new ArgumentException($"Group '{g.Name}' has child '{child}', which is not defined.");
                if (child == "all") throw new ArgumentException($"Group '{g.Name}' cannot have 'all' as a child.");
            }
        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false = visiting, true = done
        void Visit(string name)
        {
            if (state.TryGetValue(name, out var done))
            {
                if (!done) throw new ArgumentException($"Group '{name}' is its own ancestor (children form a loop).");
                return;
            }
            state[name] = false;
            foreach (var child in groups[name].Children) Visit(child);
            state[name] = true;
        }
        foreach (var g in doc.Groups) Visit(g.Name);
        return groups;
    }

    /// <summary>hosts.yml alone, as <see cref="Write"/> writes it (`hosts add|remove` rewrite only this file).</summary>
    public static string RenderHostsFile(InventoryDocument doc) => RenderHostsFile(doc, Validate(doc));

    private static string RenderHostsFile(InventoryDocument doc, Dictionary<string, InventoryGroupDefinition> groups)
    {
        var allDefinition = groups.GetValueOrDefault("all");
        var childNames = doc.Groups.SelectMany(g => g.Children).ToHashSet(StringComparer.Ordinal);
        var topLevel = (allDefinition?.Children ?? []).Concat(
            doc.Groups.Where(g => g.Name != "all" && !childNames.Contains(g.Name)).Select(g => g.Name)).Distinct().ToList();
        var grouped = doc.Groups.Where(g => g.Name != "all").SelectMany(g => g.Hosts).ToHashSet(StringComparer.Ordinal);
        var allHosts = (allDefinition?.Hosts ?? []).Concat(doc.Hosts.Select(h => h.Name).Where(h => !grouped.Contains(h))).Distinct().ToList();

        var sb = new StringBuilder();
        sb.Append(Header).Append('\n');
        sb.Append("# Group variables are in group_vars/NAME.yml, host variables in host_vars/NAME.yml.\n");
        sb.Append("all:\n");
        var written = new HashSet<string>(StringComparer.Ordinal);
        WriteGroupBody(sb, allHosts, topLevel, 2, groups, written);
        return sb.ToString();
    }

    private static void WriteGroupBody(StringBuilder sb, IReadOnlyList<string> hosts, IReadOnlyList<string> children, int indent,
        Dictionary<string, InventoryGroupDefinition> groups, HashSet<string> written)
    {
        var pad = new string(' ', indent);
        if (hosts.Count > 0)
        {
            sb.Append(pad).Append("hosts:\n");
            foreach (var host in hosts) sb.Append(pad).Append("  ").Append(FormatString(host)).Append(":\n");
        }
        if (children.Count > 0)
        {
            sb.Append(pad).Append("children:\n");
            foreach (var child in children)
            {
                sb.Append(pad).Append("  ").Append(FormatString(child)).Append(":\n");
                // A group referenced from several parents gets its members once; other references just name it.
                if (written.Add(child))
                    WriteGroupBody(sb, groups[child].Hosts, groups[child].Children, indent + 4, groups, written);
            }
        }
    }

    public static string RenderVarsFile(IReadOnlyDictionary<string, InventoryValue> vars)
    {
        var sb = new StringBuilder();
        sb.Append(Header).Append('\n');
        WriteMappingEntries(sb, vars, 0);
        return sb.ToString();
    }

    private static void WriteMappingEntries(StringBuilder sb, IEnumerable<KeyValuePair<string, InventoryValue>> entries, int indent)
    {
        foreach (var (key, value) in entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            sb.Append(' ', indent).Append(FormatString(key)).Append(':');
            WriteValueAfterIndicator(sb, value, indent);
        }
    }

    /// <summary>Writes what follows "key:" or "- " (the caller wrote the indicator, this writes the rest of the line and below).</summary>
    private static void WriteValueAfterIndicator(StringBuilder sb, InventoryValue value, int indent)
    {
        switch (value)
        {
            case InventoryScalar scalar:
                sb.Append(' ').Append(FormatScalar(scalar)).Append('\n');
                break;
            case VaultedValue vault:
                WriteVault(sb, vault, indent + 2);
                break;
            case InventoryMapping { Count: 0 }:
                sb.Append(" {}\n");
                break;
            case InventorySequence { Items.Count: 0 }:
                sb.Append(" []\n");
                break;
            case InventoryMapping mapping:
                sb.Append('\n');
                WriteMappingEntries(sb, mapping.Entries, indent + 2);
                break;
            case InventorySequence sequence:
                sb.Append('\n');
                foreach (var item in sequence.Items) WriteSequenceItem(sb, item, indent + 2);
                break;
        }
    }

    private static void WriteSequenceItem(StringBuilder sb, InventoryValue item, int indent)
    {
        if (item is InventoryMapping { Count: > 0 } or InventorySequence { Items.Count: > 0 })
        {
            // Render the block one level deeper, then put "- " in place of the first line's extra indent.
            var nested = new StringBuilder();
            if (item is InventoryMapping mapping) WriteMappingEntries(nested, mapping.Entries, indent + 2);
            else foreach (var inner in ((InventorySequence)item).Items) WriteSequenceItem(nested, inner, indent + 2);
            sb.Append(' ', indent).Append("- ").Append(nested.ToString(indent + 2, nested.Length - indent - 2));
            return;
        }
        sb.Append(' ', indent).Append('-');
        WriteValueAfterIndicator(sb, item, indent);
    }

    private static void WriteVault(StringBuilder sb, VaultedValue vault, int indent)
    {
        var text = vault.Ciphertext;
        var chomp = text.EndsWith("\n\n", StringComparison.Ordinal) ? "+" : text.EndsWith('\n') ? "" : "-";
        sb.Append(" !vault |").Append(chomp).Append('\n');
        foreach (var line in text.TrimEnd('\n').Split('\n')) sb.Append(' ', indent).Append(line).Append('\n');
    }

    private static string FormatScalar(InventoryScalar scalar) => scalar.Kind switch
    {
        ScalarKind.Null => "null",
        ScalarKind.Boolean => (bool)scalar.Value! ? "true" : "false",
        ScalarKind.Integer => Convert.ToString(scalar.Value, CultureInfo.InvariantCulture)!,
        ScalarKind.Float => FormatFloat((double)scalar.Value!),
        ScalarKind.Timestamp => (string)scalar.Value!,
        _ when scalar.IsUnsafe => "!unsafe " + DoubleQuote((string)scalar.Value!),
        _ => FormatString((string)scalar.Value!),
    };

    /// <summary>YAML 1.1 floats need a '.' (PyYAML reads "1e+20" as a string), and non-finite values have YAML spellings.</summary>
    private static string FormatFloat(double value)
    {
        if (double.IsNaN(value)) return ".nan";
        if (double.IsInfinity(value)) return value > 0 ? ".inf" : "-.inf";
        var repr = Yaml11.PythonFloatRepr(value);
        var e = repr.IndexOf('e');
        return e >= 0 && !repr[..e].Contains('.') ? repr[..e] + ".0" + repr[e..] : repr;
    }

    [GeneratedRegex(@"^[A-Za-z0-9_./][A-Za-z0-9_./@+=-]*(?: [A-Za-z0-9_./@+=-]+)*$")]
    private static partial Regex SafePlainString();

    /// <summary>Plain only when it is unambiguous to any YAML reader; everything else ("yes", "0755", "1.0", "a: b", ...) is quoted.</summary>
    internal static string FormatString(string text) =>
        SafePlainString().IsMatch(text) && Yaml11.PlainStaysString(text) && text is not ("y" or "Y" or "n" or "N")
            ? text
            : DoubleQuote(text);

    private static string DoubleQuote(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                case < ' ' or '\u007f' or '\u0085' or '\u2028' or '\u2029' or '\ufeff':
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default: sb.Append(c); break;
            }
        }
        return sb.Append('"').ToString();
    }
}

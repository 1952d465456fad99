using System.Collections.ObjectModel;
using System.Globalization;

namespace Datalyptica.Inventory;

/// <summary>
/// Reads an Ansible YAML or INI inventory plus its adjacent group_vars/ and host_vars/ the way ansible-core 2.14's
/// yaml and ini inventory plugins, host_group_vars vars plugin and VariableManager do, so that
/// <see cref="InventoryHost.Vars"/> equals <c>ansible-inventory --list</c>'s <c>_meta.hostvars</c>.
/// </summary>
public static partial class AnsibleInventoryReader
{
    // ansible-core ini.py: a section header, and a child group line; both allow a trailing comment.
    [System.Text.RegularExpressions.GeneratedRegex(@"^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:\#.*)?$")]
    private static partial System.Text.RegularExpressions.Regex IniSection();

    [System.Text.RegularExpressions.GeneratedRegex(@"^([^:\]\s]+)\s*(?:\#.*)?$")]
    private static partial System.Text.RegularExpressions.Regex IniChild();

    /// <summary>File names tried, in order, when <c>Read</c> is given a directory.</summary>
    /// <remarks>Not hosts.ini: in a folder Ansible ignores *.ini files (INVENTORY_IGNORE_EXTS); pass such a file itself.</remarks>
    public static readonly IReadOnlyList<string> InventoryFileNames = ["hosts.yml", "hosts.yaml", "hosts"];

    /// <summary>
    /// Ansible's yaml plugin takes only these extensions; every other file is read by its ini plugin (which takes any
    /// name), so an inventory called <c>hosts</c> or <c>inventory.ini</c> is INI, as ansible-inventory reads it.
    /// </summary>
    public static bool IsYaml(string file) => Path.GetExtension(file).ToLowerInvariant() is ".yml" or ".yaml" or ".json";

    /// <summary>Extensions tried for group_vars/NAME and host_vars/NAME; the first that exists wins (Ansible's find_vars_files).</summary>
    private static readonly string[] VarsFileExtensions = ["", ".yml", ".yaml", ".json"];

    private const string VaultHeader = "$ANSIBLE_VAULT;";

    /// <summary>Names ansible-inventory removes from its output (cli/inventory.py INTERNAL_VARS); they are magic in playbooks.</summary>
    private static readonly HashSet<string> InternalVars = new(StringComparer.Ordinal)
    {
        "ansible_diff_mode", "ansible_config_file", "ansible_facts", "ansible_forks", "ansible_inventory_sources",
        "ansible_limit", "ansible_playbook_python", "ansible_run_tags", "ansible_skip_tags", "ansible_verbosity",
        "ansible_version", "inventory_dir", "inventory_file", "inventory_hostname", "inventory_hostname_short",
        "groups", "group_names", "omit", "playbook_dir",
    };

    /// <param name="path">A YAML or INI inventory file, or a directory containing one of <see cref="InventoryFileNames"/>.</param>
    /// <param name="decryptVaultFile">Called with (file path, vault text) for files that start with <c>$ANSIBLE_VAULT;</c>;
    /// returns the plaintext. Inline <c>!vault</c> values are never decrypted.</param>
    public static AnsibleInventory Read(string path, Func<string, string, string>? decryptVaultFile = null)
    {
        var inventoryFile = ResolveInventoryFile(path);
        var reader = new Reader(inventoryFile, decryptVaultFile);
        return reader.Read();
    }

    private static string ResolveInventoryFile(string path)
    {
        if (Directory.Exists(path))
        {
            foreach (var name in InventoryFileNames)
            {
                var candidate = Path.Combine(path, name);
                if (File.Exists(candidate)) return Path.GetFullPath(candidate);
            }
            throw new InventoryException($"{path}: no inventory file found in this directory; tried {string.Join(", ", InventoryFileNames)}. Create one of them or pass the inventory file itself.");
        }
        if (File.Exists(path)) return Path.GetFullPath(path);
        throw new InventoryException($"{path}: inventory file or directory does not exist. Check the path.");
    }

    private sealed class GroupBuilder(string name, SourceLocation location)
    {
        public string Name { get; } = name;
        public SourceLocation Location { get; } = location;
        public List<string> Children { get; } = [];
        public List<string> Parents { get; } = [];
        public List<string> Hosts { get; } = [];
        /// <summary>The same names as <see cref="Hosts"/>, for membership tests that stay fast with thousands of hosts.</summary>
        public HashSet<string> HostSet { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, InventoryValue> Vars { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, InventoryValue> FileVars { get; } = new(StringComparer.Ordinal);
        public int Priority { get; set; } = 1;
        public int Depth { get; set; }
    }

    private sealed class HostBuilder(string name, SourceLocation location)
    {
        public string Name { get; } = name;
        public SourceLocation Location { get; } = location;
        public Dictionary<string, InventoryValue> Vars { get; } = new(StringComparer.Ordinal);
        public List<string> DirectGroups { get; } = [];
    }

    /// <summary>The most hosts an inventory may hold, and the most names one host pattern (ranges) may expand to.</summary>
    public const int MaxHosts = 10_000;

    /// <summary>The most host entries (a host listed under a group, ranges expanded) an inventory may hold: 10 groups per host.</summary>
    public const int MaxHostEntries = 10 * MaxHosts;

    private sealed class Reader(string inventoryFile, Func<string, string, string>? decryptVaultFile)
    {
        // Every file read must stay inside the folder of the inventory file (the site), links resolved.
        private readonly string _realRoot = SiteFileReader.RealRoot(Path.GetDirectoryName(inventoryFile)!);
        private int _hostEntries;
        private readonly Dictionary<string, GroupBuilder> _groups = new(StringComparer.Ordinal);
        private readonly List<GroupBuilder> _groupOrder = [];
        private readonly Dictionary<string, HostBuilder> _hosts = new(StringComparer.Ordinal);
        private readonly List<HostBuilder> _hostOrder = [];
        private readonly List<string> _warnings = [];
        private readonly SourceLocation _fileStart = new(inventoryFile, 1, 1);

        public AnsibleInventory Read()
        {
            // Like Ansible's InventoryData constructor: 'all' and 'ungrouped' always exist.
            AddGroup("all", _fileStart);
            AddGroup("ungrouped", _fileStart);
            AddChild("all", "ungrouped", _fileStart);

            if (!IsYaml(inventoryFile))
            {
                ParseIni(ReadInventoryText(inventoryFile));
                Reconcile();
                LoadVarsFiles();
                return Build();
            }
            var root = LoadFile(inventoryFile);
            if (root is null)
                throw new InventoryException(_fileStart, "the inventory file is empty. Add at least 'all:' with hosts or children.");
            if (root is not InventoryMapping top)
                throw new InventoryException(root.Location, "a YAML inventory must be a mapping of group names (usually just 'all:') at the top level.");
            if (top["plugin"] is not null)
                throw new InventoryException(top["plugin"]!.Location, "this is an inventory plugin configuration ('plugin:' key), not a YAML inventory; only static YAML inventories can be read.");

            foreach (var (groupName, data) in top.Entries) ParseGroup(groupName, data);

            Reconcile();
            LoadVarsFiles();
            return Build();
        }

        private InventoryValue? LoadFile(string file) => YamlFileLoader.Load(ReadInventoryText(file), file);

        private string ReadInventoryText(string file)
        {
            var text = SiteFileReader.ReadText(file, _realRoot);
            if (!text.StartsWith(VaultHeader, StringComparison.Ordinal)) return text;
            if (decryptVaultFile is null)
                throw new InventoryException(new SourceLocation(file, 1, 1),
                    "this file is encrypted with ansible-vault. Provide the vault password (a decryptVaultFile callback) to read the inventory.");
            return decryptVaultFile(file, text);
        }

        /// <summary>
        /// An INI inventory, as ansible-core's ini plugin reads it: lines before any section are hosts of 'ungrouped';
        /// [G] lists hosts ("web[01:03]:2222 key=value ..."), [G:vars] sets "key=value" group variables, [G:children]
        /// names child groups, which may be declared further down. Values go through <see cref="IniSyntax.Value"/>.
        /// </summary>
        private void ParseIni(string text)
        {
            var group = "ungrouped";
            var state = "hosts";
            // Groups named by [G:vars] or [G:children] before their own section: (line, state, parents).
            var pending = new Dictionary<string, (SourceLocation At, string State, List<string> Parents)>(StringComparer.Ordinal);
            var lines = text.Split('\n');
            for (var n = 0; n < lines.Length; n++)
            {
                var at = new SourceLocation(inventoryFile, n + 1, 1);
                var line = lines[n].Trim();
                if (line.Length == 0 || line[0] is '#' or ';') continue;
                if (IniSection().Match(line) is { Success: true } section)
                {
                    group = section.Groups[1].Value;
                    state = section.Groups[2].Success ? section.Groups[2].Value : "hosts";
                    if (state is not ("hosts" or "children" or "vars"))
                        throw new InventoryException(at, $"section [{group}:{state}] has an unknown type '{state}'. Use [{group}], [{group}:vars] or [{group}:children].");
                    if (!_groups.ContainsKey(group))
                    {
                        if (state == "vars" && !pending.ContainsKey(group)) pending[group] = (at, state, []);
                        AddGroup(group, at);
                    }
                    if (state != "vars" && pending.TryGetValue(group, out var waiting))
                    {
                        if (waiting.State == "children") AddPendingChildren(group, pending);
                        else pending.Remove(group);
                    }
                    continue;
                }
                if (line.StartsWith('[') && line.EndsWith(']'))
                    throw new InventoryException(at, $"'{line}' is not a valid section: a section is [GROUP], [GROUP:vars] or [GROUP:children], with no spaces.");
                switch (state)
                {
                    case "hosts":
                        IReadOnlyList<string> tokens;
                        try { tokens = IniSyntax.ShlexSplit(line); }
                        catch (FormatException e) { throw new InventoryException(at, $"cannot read the host line '{line}': {e.Message}. Close the quote."); }
                        if (tokens.Count == 0) continue;
                        if (tokens[0].EndsWith(':'))
                            throw new InventoryException(at, $"host pattern '{tokens[0]}' ends in ':', which is reserved for a port (host:2222).");
                        var vars = new List<KeyValuePair<string, InventoryValue>>();
                        foreach (var token in tokens.Skip(1))
                        {
                            var eq = token.IndexOf('=');
                            if (eq < 0) throw new InventoryException(at, $"'{token}' after host '{tokens[0]}' is not a key=value host variable. Write it as name=value.");
                            vars.Add(new(token[..eq], IniSyntax.Value(token[(eq + 1)..], at)));
                        }
                        ParseHostEntry(_groups[group], tokens[0], vars.Count == 0 ? new InventoryScalar(ScalarKind.Null, null, at) : new InventoryMapping(vars, at));
                        break;
                    case "vars":
                        var equals = line.IndexOf('=');
                        if (equals < 0) throw new InventoryException(at, $"'{line}' in [{group}:vars] is not key=value. Write it as name=value.");
                        SetGroupVariable(_groups[group], line[..equals].Trim(), IniSyntax.Value(line[(equals + 1)..].Trim(), at));
                        break;
                    case "children":
                        if (IniChild().Match(line) is not { Success: true } child)
                            throw new InventoryException(at, $"'{line}' in [{group}:children] is not a group name.");
                        var name = child.Groups[1].Value;
                        if (_groups.ContainsKey(name)) AddChild(group, name, at);
                        else if (pending.TryGetValue(name, out var known)) known.Parents.Add(group);
                        else pending[name] = (at, "children", [group]);
                        break;
                }
            }
            foreach (var (name, declaration) in pending)
                throw new InventoryException(declaration.At, declaration.State == "vars"
                    ? $"section [{name}:vars] is for a group that is never declared. Add a [{name}] or [{name}:children] section, or remove it."
                    : $"section [{declaration.Parents[^1]}:children] names group '{name}', which is never declared. Add a [{name}] section (it may be empty), or remove the line.");
        }

        private void AddPendingChildren(string group, Dictionary<string, (SourceLocation At, string State, List<string> Parents)> pending)
        {
            var (at, _, parents) = pending[group];
            foreach (var parent in parents)
            {
                AddChild(parent, group, at);
                if (pending.TryGetValue(parent, out var p) && p.State == "children") AddPendingChildren(parent, pending);
            }
            pending.Remove(group);
        }

        private GroupBuilder AddGroup(string name, SourceLocation at)
        {
            if (_groups.TryGetValue(name, out var existing)) return existing;
            if (string.IsNullOrWhiteSpace(name))
                throw new InventoryException(at, "a group name is empty. Give the group a name.");
            var group = new GroupBuilder(name, at);
            _groups[name] = group;
            _groupOrder.Add(group);
            return group;
        }

        private void AddChild(string parentName, string childName, SourceLocation at)
        {
            if (parentName == childName)
                throw new InventoryException(at, $"group '{parentName}' lists itself under its own 'children'. Remove it from there.");
            var parent = _groups[parentName];
            var child = _groups[childName];
            if (parent.Children.Contains(childName)) return;
            if (IsAncestorOrSelf(childName, parentName))
                throw new InventoryException(at, $"adding group '{childName}' as a child of '{parentName}' creates a loop ('{childName}' is already an ancestor of '{parentName}'). Remove one of the two 'children' entries.");
            parent.Children.Add(childName);
            child.Parents.Add(parentName);
        }

        /// <summary>True when <paramref name="candidate"/> is <paramref name="group"/> or one of its ancestors.</summary>
        private bool IsAncestorOrSelf(string candidate, string group) =>
            candidate == group || _groups[group].Parents.Any(p => IsAncestorOrSelf(candidate, p));

        private void ParseGroup(string name, InventoryValue data)
        {
            var at = data.Location;
            if (data is InventoryScalar { Kind: ScalarKind.Null })
            {
                AddGroup(name, at);
                return;
            }
            if (data is not InventoryMapping sections)
                throw new InventoryException(at, $"group '{name}' must be a mapping with 'hosts', 'children' and/or 'vars' (or empty), but it is {Describe(data)}.");

            var group = AddGroup(name, at);
            foreach (var (key, rawSection) in sections.Entries)
            {
                if (key is not ("vars" or "children" or "hosts"))
                {
                    _warnings.Add($"{rawSection.Location}: skipping unexpected key '{key}' in group '{name}'; only 'vars', 'children' and 'hosts' are valid.");
                    continue;
                }
                var section = rawSection switch
                {
                    // Ansible accepts "hosts: web01" as shorthand for a single entry.
                    InventoryScalar { Kind: ScalarKind.String } s => new InventoryMapping([new((string)s.Value!, new InventoryScalar(ScalarKind.Null, null, s.Location))], s.Location),
                    InventoryScalar { Kind: ScalarKind.Null } => null,
                    InventoryMapping m => m,
                    _ => throw new InventoryException(rawSection.Location,
                        $"'{key}' of group '{name}' must be a mapping, but it is {Describe(rawSection)}. " +
                        (key == "vars" ? "Write each variable as 'name: value' under 'vars:'." : $"Write each entry as 'name:' on its own line under '{key}:' (no '- ' list dashes)."))
                };
                if (section is null) continue;

                switch (key)
                {
                    case "vars":
                        foreach (var (varName, value) in section.Entries) SetGroupVariable(group, varName, value);
                        break;
                    case "children":
                        foreach (var (childName, childData) in section.Entries)
                        {
                            ParseGroup(childName, childData);
                            AddChild(name, childName, childData.Location);
                        }
                        break;
                    case "hosts":
                        foreach (var (pattern, hostData) in section.Entries) ParseHostEntry(group, pattern, hostData);
                        break;
                }
            }
        }

        private static void SetGroupVariable(GroupBuilder group, string varName, InventoryValue value)
        {
            if (varName != "ansible_group_priority")
            {
                group.Vars[varName] = value;
                return;
            }
            // Ansible stores this as the group's priority (int(value)), not as a variable.
            group.Priority = value switch
            {
                InventoryScalar { Kind: ScalarKind.Integer, Value: long l } when l is >= int.MinValue and <= int.MaxValue => (int)l,
                InventoryScalar { Kind: ScalarKind.Boolean, Value: bool b } => b ? 1 : 0,
                InventoryScalar { Kind: ScalarKind.Float, Value: double d } when double.IsFinite(d) => (int)Math.Truncate(d),
                InventoryScalar { Kind: ScalarKind.String, Value: string s } when int.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var p) => p,
                _ => throw new InventoryException(value.Location, $"ansible_group_priority of group '{group.Name}' must be a whole number, but it is {Describe(value)}."),
            };
        }

        private void ParseHostEntry(GroupBuilder group, string pattern, InventoryValue hostData)
        {
            var at = hostData.Location;
            HostPattern.Expansion expansion;
            try
            {
                expansion = HostPattern.Expand(pattern, MaxHosts);
            }
            catch (HostPattern.RangeRefusedException e)
            {
                throw new InventoryException(e.Reversed ? InventoryRefusal.RangeReversed : InventoryRefusal.TooManyHosts, at,
                    $"host pattern '{pattern}' in group '{group.Name}': {e.Message}", pattern);
            }
            catch (FormatException e)
            {
                throw new InventoryException(at, $"invalid host pattern '{pattern}' in group '{group.Name}': {e.Message}", e);
            }
            _hostEntries += expansion.HostNames.Count;
            if (_hostEntries > MaxHostEntries)
                throw new InventoryException(InventoryRefusal.TooManyHosts, at,
                    $"host pattern '{pattern}' in group '{group.Name}' brings the inventory over {N(MaxHostEntries)} host entries (hosts listed under groups, ranges expanded); nothing was expanded further. " +
                    $"An inventory holds at most {N(MaxHosts)} hosts: split the estate into several sites.", pattern);
            var vars = hostData switch
            {
                InventoryScalar { Kind: ScalarKind.Null } => null,
                InventoryMapping m => m,
                _ => throw new InventoryException(at, $"host '{pattern}' in group '{group.Name}' must be followed by a mapping of host variables (or nothing), but it is {Describe(hostData)}. Write variables as 'name: value' indented under the host."),
            };
            foreach (var hostName in expansion.HostNames)
            {
                if (string.IsNullOrWhiteSpace(hostName))
                    throw new InventoryException(at, $"host pattern '{pattern}' in group '{group.Name}' gives an empty host name. Give the host a name.");
                if (!_hosts.TryGetValue(hostName, out var host))
                {
                    if (_hosts.Count == MaxHosts)
                        throw new InventoryException(InventoryRefusal.TooManyHosts, at,
                            $"host '{hostName}' (from '{pattern}' in group '{group.Name}') is one more than the {N(MaxHosts)} hosts an inventory may hold. Split the estate into several sites.", pattern);
                    host = new HostBuilder(hostName, at);
                    _hosts[hostName] = host;
                    _hostOrder.Add(host);
                    // Ansible sets the port only when the host is first created.
                    if (expansion.Port is int port) host.Vars["ansible_port"] = new InventoryScalar(ScalarKind.Integer, (long)port, at);
                }
                if (group.HostSet.Add(hostName))
                {
                    group.Hosts.Add(hostName);
                    host.DirectGroups.Add(group.Name);
                }
                if (vars is null) continue;
                foreach (var (varName, value) in vars.Entries) host.Vars[varName] = value;
            }
        }

        /// <summary>Ansible's reconcile_inventory: parentless groups go under 'all', hosts only in 'all' go to 'ungrouped'.</summary>
        private void Reconcile()
        {
            foreach (var group in _groupOrder.ToList())
                if (group.Name != "all" && group.Parents.Count == 0) AddChild("all", group.Name, group.Location);

            foreach (var host in _hostOrder)
            {
                var groups = GroupsOf(host);
                if (groups.Contains("ungrouped"))
                {
                    if (groups.Any(g => g is not ("all" or "ungrouped")))
                    {
                        _groups["ungrouped"].Hosts.Remove(host.Name);
                        host.DirectGroups.Remove("ungrouped");
                    }
                }
                else if (groups.Count == 0 || groups.SetEquals(["all"]))
                {
                    _groups["ungrouped"].Hosts.Add(host.Name);
                    host.DirectGroups.Add("ungrouped");
                }
            }

            // Ansible only warns here, but a name used for both makes host patterns ambiguous, so we refuse it.
            foreach (var host in _hostOrder)
                if (_groups.TryGetValue(host.Name, out var group))
                    throw new InventoryException(host.Location,
                        $"'{host.Name}' is both a host and a group (group declared at {group.Location}). Rename the host or the group.");

            var depths = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var group in _groupOrder) group.Depth = DepthOf(group.Name, depths);
        }

        private int DepthOf(string name, Dictionary<string, int> memo)
        {
            if (memo.TryGetValue(name, out var known)) return known;
            var parents = _groups[name].Parents;
            var depth = parents.Count == 0 ? 0 : parents.Max(p => DepthOf(p, memo) + 1);
            return memo[name] = depth;
        }

        private HashSet<string> GroupsOf(HostBuilder host)
        {
            var result = new HashSet<string>(StringComparer.Ordinal);
            var pending = new Stack<string>(host.DirectGroups);
            while (pending.TryPop(out var name))
                if (result.Add(name))
                    foreach (var parent in _groups[name].Parents) pending.Push(parent);
            return result;
        }

        private void LoadVarsFiles()
        {
            var baseDirectory = Path.GetDirectoryName(inventoryFile)!;
            foreach (var group in _groupOrder)
                foreach (var (name, value) in LoadVarsFor(Path.Combine(baseDirectory, "group_vars"), group.Name))
                    group.FileVars[name] = value;
            _hostFileVars.Clear();
            foreach (var host in _hostOrder)
                _hostFileVars[host.Name] = LoadVarsFor(Path.Combine(baseDirectory, "host_vars"), host.Name);
        }

        private readonly Dictionary<string, Dictionary<string, InventoryValue>> _hostFileVars = new(StringComparer.Ordinal);

        private Dictionary<string, InventoryValue> LoadVarsFor(string varsDirectory, string entityName)
        {
            var result = new Dictionary<string, InventoryValue>(StringComparer.Ordinal);
            // Ansible skips names that look like absolute paths ('chroot' style inventory hostnames).
            if (entityName.StartsWith('/') || !Directory.Exists(varsDirectory)) return result;
            foreach (var file in FindVarsFiles(varsDirectory, entityName, _realRoot))
            {
                var data = LoadFile(file);
                if (data is null or InventoryMapping { Count: 0 }) continue; // Ansible ignores empty files
                if (data is not InventoryMapping mapping)
                    throw new InventoryException(data.Location, $"a vars file must be a mapping of variable names to values, but it is {Describe(data)}. Write each variable as 'name: value'.");
                foreach (var (name, value) in mapping.Entries) result[name] = value;
            }
            return result;
        }

        private static List<string> FindVarsFiles(string directory, string name, string realRoot)
        {
            var basePath = Path.Combine(directory, name);
            foreach (var extension in VarsFileExtensions)
            {
                var candidate = basePath + extension;
                if (Directory.Exists(candidate)) return FilesInVarsDirectory(candidate, realRoot, []);
                if (File.Exists(candidate)) return [candidate];
            }
            return [];
        }

        /// <summary>
        /// Recursive, sorted by name, skipping hidden and backup (~) files and unknown extensions. A folder linked from outside
        /// the site is refused before it is listed; a folder seen twice (a link loop inside the site) is read once.
        /// </summary>
        private static List<string> FilesInVarsDirectory(string directory, string realRoot, HashSet<string> seen)
        {
            var real = RealPathOf(directory);
            if (!IO.UnixFile.IsInside(real, realRoot))
                throw new InventoryException(InventoryRefusal.LeavesSite, new SourceLocation(directory, 0, 0),
                    $"is a symbolic link (or lies in a linked folder) that leads out of the site folder, to {real}; it was not read. " +
                    "A site may only link to folders inside itself: copy the files into the site instead.");
            if (!seen.Add(real)) return [];
            var found = new List<string>();
            var entries = Directory.EnumerateFileSystemEntries(directory)
                .Select(p => Path.GetFileName(p)!)
                .OrderBy(n => n, StringComparer.Ordinal);
            foreach (var entry in entries)
            {
                if (entry.StartsWith('.') || entry.EndsWith('~')) continue;
                var extension = Path.GetExtension(entry);
                var full = Path.Combine(directory, entry);
                if (Directory.Exists(full) && extension.Length == 0) found.AddRange(FilesInVarsDirectory(full, realRoot, seen));
                else if (File.Exists(full) && (extension.Length == 0 || VarsFileExtensions.Contains(extension))) found.Add(full);
            }
            return found;
        }

        private AnsibleInventory Build()
        {
            var all = _groups["all"];
            var groups = _groupOrder.Select(g => new InventoryGroup(
                g.Name, g.Children.ToList(), g.Hosts.ToList(), Sorted(g.Vars.Concat(g.FileVars)), g.Priority, g.Depth, g.Location)).ToList();

            var hosts = new List<InventoryHost>();
            foreach (var host in _hostOrder)
            {
                // VariableManager.get_vars with the default precedence:
                // all (inventory) < other groups (inventory) < all (group_vars) < other groups (group_vars)
                // < host (inventory) < host (host_vars). Groups are ordered by depth, priority, name.
                var memberOf = GroupsOf(host);
                var ordered = memberOf.Where(n => n != "all").Select(n => _groups[n])
                    .OrderBy(g => g.Depth).ThenBy(g => g.Priority).ThenBy(g => g.Name, StringComparer.Ordinal).ToList();

                var merged = new Dictionary<string, InventoryValue>(StringComparer.Ordinal);
                void Apply(IEnumerable<KeyValuePair<string, InventoryValue>> layer)
                {
                    foreach (var (name, value) in layer) merged[name] = value;
                }
                Apply(all.Vars);
                foreach (var g in ordered) Apply(g.Vars);
                Apply(all.FileVars);
                foreach (var g in ordered) Apply(g.FileVars);
                Apply(host.Vars);
                Apply(_hostFileVars[host.Name]);
                foreach (var name in InternalVars) merged.Remove(name);

                var groupNames = new List<string> { "all" };
                groupNames.AddRange(ordered.Select(g => g.Name));
                hosts.Add(new InventoryHost(host.Name, Sorted(merged), groupNames, host.Location));
            }
            return new AnsibleInventory(inventoryFile, hosts, groups, _warnings.ToList());
        }

        private static IReadOnlyDictionary<string, InventoryValue> Sorted(IEnumerable<KeyValuePair<string, InventoryValue>> entries)
        {
            var sorted = new SortedDictionary<string, InventoryValue>(StringComparer.Ordinal);
            foreach (var (key, value) in entries) sorted[key] = value;
            return new ReadOnlyDictionary<string, InventoryValue>(sorted);
        }
    }

    private static string N(int n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string RealPathOf(string path) => IO.UnixFile.RealPath(path) ?? Path.GetFullPath(path);

    private static string Describe(InventoryValue value) => value switch
    {
        InventorySequence => "a list",
        InventoryMapping => "a mapping",
        VaultedValue => "a vaulted value",
        InventoryScalar s => $"a {s.Kind.ToString().ToLowerInvariant()} ('{s.AsString()}')",
        _ => "unknown",
    };
}

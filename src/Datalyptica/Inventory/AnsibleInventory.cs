namespace Datalyptica.Inventory;

/// <summary>A parsed inventory with every host's final variables, as <c>ansible-inventory --list</c> would compute them.</summary>
public sealed class AnsibleInventory
{
    private readonly Dictionary<string, InventoryHost> _hostsByName;
    private readonly Dictionary<string, InventoryGroup> _groupsByName;

    internal AnsibleInventory(string path, IReadOnlyList<InventoryHost> hosts, IReadOnlyList<InventoryGroup> groups, IReadOnlyList<string> warnings)
    {
        Path = path;
        Hosts = hosts;
        Groups = groups;
        Warnings = warnings;
        _hostsByName = hosts.ToDictionary(h => h.Name, StringComparer.Ordinal);
        _groupsByName = groups.ToDictionary(g => g.Name, StringComparer.Ordinal);
    }

    /// <summary>The inventory file that was read (resolved from a directory if one was given).</summary>
    public string Path { get; }

    /// <summary>Hosts in the order they first appear in the inventory file.</summary>
    public IReadOnlyList<InventoryHost> Hosts { get; }

    /// <summary>Groups in creation order, starting with the implicit 'all' and 'ungrouped'.</summary>
    public IReadOnlyList<InventoryGroup> Groups { get; }

    /// <summary>Things Ansible would only warn about (unknown keys in a group, duplicate keys, ...).</summary>
    public IReadOnlyList<string> Warnings { get; }

    public InventoryHost? FindHost(string name) => _hostsByName.GetValueOrDefault(name);

    public InventoryGroup? FindGroup(string name) => _groupsByName.GetValueOrDefault(name);
}

public sealed class InventoryHost
{
    internal InventoryHost(string name, IReadOnlyDictionary<string, InventoryValue> vars, IReadOnlyList<string> groups, SourceLocation location)
    {
        Name = name;
        Vars = vars;
        Groups = groups;
        Location = location;
    }

    public string Name { get; }

    /// <summary>
    /// Final merged variables (sorted by name), each with the location of the definition that won.
    /// Ansible's internal/magic names (inventory_dir, group_names, ...) are left out, as ansible-inventory does.
    /// </summary>
    public IReadOnlyDictionary<string, InventoryValue> Vars { get; }

    /// <summary>Every group the host belongs to, ancestors included: 'all' first, then in variable precedence order
    /// (depth, ansible_group_priority, name), so a later group's vars override an earlier one's.</summary>
    public IReadOnlyList<string> Groups { get; }

    /// <summary>The host key that first declared this host in the inventory file.</summary>
    public SourceLocation Location { get; }
}

public sealed class InventoryGroup
{
    internal InventoryGroup(string name, IReadOnlyList<string> children, IReadOnlyList<string> hosts,
        IReadOnlyDictionary<string, InventoryValue> vars, int priority, int depth, SourceLocation location)
    {
        Name = name;
        Children = children;
        Hosts = hosts;
        Vars = vars;
        Priority = priority;
        Depth = depth;
        Location = location;
    }

    public string Name { get; }

    /// <summary>Direct child groups, in the order they were added.</summary>
    public IReadOnlyList<string> Children { get; }

    /// <summary>Direct member hosts, in the order they were added (Ansible keeps this order for groups['x'][0]).</summary>
    public IReadOnlyList<string> Hosts { get; }

    /// <summary>The group's own variables before merging into hosts: inventory-file vars overlaid by its group_vars files.
    /// ansible_group_priority set in the inventory file is not a variable (see <see cref="Priority"/>).</summary>
    public IReadOnlyDictionary<string, InventoryValue> Vars { get; }

    /// <summary>ansible_group_priority from the inventory file (default 1).</summary>
    public int Priority { get; }

    /// <summary>Longest path from 'all' (which is 0).</summary>
    public int Depth { get; }

    /// <summary>Where the group is first declared; for implicit groups ('all', 'ungrouped') the start of the inventory file.</summary>
    public SourceLocation Location { get; }
}

namespace Datalyptica.Inventory;

/// <summary>What <see cref="AnsibleInventoryWriter"/> writes: groups, hosts and their own variables.</summary>
public sealed record InventoryDocument
{
    /// <summary>Groups in the order they should appear. A group named 'all' may carry global vars and hosts.</summary>
    public IReadOnlyList<InventoryGroupDefinition> Groups { get; init; } = [];

    /// <summary>Hosts with host-specific vars. Hosts that are only named in a group's Hosts need no entry here;
    /// hosts that are in no group are written under 'all'.</summary>
    public IReadOnlyList<InventoryHostDefinition> Hosts { get; init; } = [];
}

public sealed record InventoryGroupDefinition(string Name)
{
    /// <summary>Direct child group names (each must also be defined in <see cref="InventoryDocument.Groups"/>).</summary>
    public IReadOnlyList<string> Children { get; init; } = [];

    /// <summary>Direct member host names; order is kept (it is the order of groups['name'] in Ansible).</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    /// <summary>Written to group_vars/NAME.yml.</summary>
    public IReadOnlyDictionary<string, InventoryValue> Vars { get; init; } = new Dictionary<string, InventoryValue>();
}

public sealed record InventoryHostDefinition(string Name)
{
    /// <summary>Written to host_vars/NAME.yml.</summary>
    public IReadOnlyDictionary<string, InventoryValue> Vars { get; init; } = new Dictionary<string, InventoryValue>();
}

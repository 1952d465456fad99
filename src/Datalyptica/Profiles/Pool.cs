using Datalyptica.Model;

namespace Datalyptica.Profiles;

/// <summary>
/// A set of identical VMs in a profile. <see cref="Groups"/> are role groups every host of the pool joins;
/// <see cref="FirstOnly"/> are role groups only the first N hosts join (for example a history server on one host).
/// </summary>
public sealed record Pool(string Prefix, Tier Tier, int Count, int VCpu, int RamGb, int DiskGb, string[] Groups)
{
    public IReadOnlyDictionary<string, int> FirstOnly { get; init; } = new Dictionary<string, int>();

    /// <summary>Worker-like pools grow when a profile is scaled to more hosts.</summary>
    public bool Scalable { get; init; }

    public string DiskKind { get; init; } = "ssd";

    public Pool WithFirst(string group, int count) =>
        this with { FirstOnly = new Dictionary<string, int>(FirstOnly) { [group] = count } };
}

/// <summary>A built-in profile: pools of VMs per tier, VIPs, address plan and site settings.</summary>
public sealed record Profile(
    string Name,
    string Environment,
    SiteRole Role,
    string Description,
    int AddressBase,
    IReadOnlyList<Pool> Pools,
    int ObjectStorageTb)
{
    /// <summary>Group variables the profile sets (port moves for co-located components, tuning).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, object>> GroupVars { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, object>>();

    /// <summary>Site-wide variables the profile sets (group_vars/all.yml), beside what every profile gets.</summary>
    public IReadOnlyDictionary<string, object> SiteVars { get; init; } = new Dictionary<string, object>();

    /// <summary>What the seed states for this environment, for `bom` to compare against.</summary>
    public SeedFigures? Seed { get; init; }
}

/// <summary>Totals the seed documents for an environment (VMs, vCPU, RAM in GB, local storage in TB).</summary>
/// <remarks>RAM is kept as the seed writes it ("1.2 TB", "480 GB") so a comparison can use the seed's own precision.</remarks>
public sealed record SeedFigures(int Vms, int VCpu, string Ram, double StorageTb, string Source)
{
    /// <summary>Per-tier figures where the seed gives them (production's tier table).</summary>
    public IReadOnlyDictionary<Tier, SeedTierFigures>? Tiers { get; init; }
    /// <summary>A second statement of the totals that disagrees with the first, kept so bom can say so.</summary>
    public string? Discrepancy { get; init; }
}

public sealed record SeedTierFigures(int Vms, int VCpu, int RamGb, double StorageTb);

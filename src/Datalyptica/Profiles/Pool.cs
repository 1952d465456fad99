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

    /// <summary>What the reference design states for this environment, for `bom` to compare against.</summary>
    public ReferenceFigures? Reference { get; init; }
}

/// <summary>
/// The totals the platform's reference design (the original Ansible design of Datalyptica, whose README sets out the
/// tiers and the per-environment sizes) states for an environment: VMs, vCPU, RAM, local storage in TB. Quoted with
/// where in that README they stand, because the README is not shipped with this tool.
/// </summary>
/// <remarks>RAM is kept as the README writes it ("1.2 TB", "480 GB") so a comparison can use its own precision.</remarks>
public sealed record ReferenceFigures(int Vms, int VCpu, string Ram, double StorageTb, string Source)
{
    /// <summary>VMs per tier where the reference design gives them (its tier table); it states no per-tier vCPU, RAM or disk.</summary>
    public IReadOnlyDictionary<Tier, int>? TierVms { get; init; }
    /// <summary>Where the reference design disagrees with itself or this profile departs from it on purpose, so bom can say so.</summary>
    public string? Discrepancy { get; init; }
}

using Datalyptica.Model;

namespace Datalyptica.Components;

public enum PortProtocol { Tcp, Udp, TcpAndUdp }

/// <summary>
/// A port a role listens on. <see cref="VarName"/> is the inventory variable that moves it
/// (for example when two co-located components would collide); the number is the upstream default.
/// </summary>
public sealed record PortSpec(string Name, int Number, string VarName, PortProtocol Protocol = PortProtocol.Tcp);

/// <summary>The least a role needs from its host; vCPU may be fractional for small daemons.</summary>
public sealed record ResourceNeeds(double VCpu, double RamGb, int DataDiskGb = 0)
{
    public static readonly ResourceNeeds None = new(0, 0);
    public static ResourceNeeds operator +(ResourceNeeds a, ResourceNeeds b) =>
        new(a.VCpu + b.VCpu, a.RamGb + b.RamGb, a.DataDiskGb + b.DataDiskGb);
}

/// <summary>How many members a role needs and whether the count must be odd (consensus quorums).</summary>
public sealed record MemberRule(int Minimum, bool MustBeOdd = false, int? Maximum = null, string? Why = null);

/// <summary>
/// A role of a component (Kafka controller, Spark worker, Patroni member, ...). Hosts take a role by
/// being in the Ansible group <see cref="Group"/>.
/// </summary>
public sealed record RoleDefinition(
    string Group,
    string Name,
    IReadOnlyList<PortSpec> Ports,
    ResourceNeeds Needs,
    MemberRule Members)
{
    public ComponentDefinition Component { get; internal set; } = null!;
    public override string ToString() => Group;
}

/// <summary>Where a component's software comes from on a host.</summary>
public enum InstallSource
{
    /// <summary>A Debian (or RHEL) distribution package; installable in the lab.</summary>
    DistroPackage,
    /// <summary>A pinned release artifact (tarball) from the user's artifact repository.</summary>
    Artifact,
}

/// <summary>
/// Everything the platform knows about one component, in one place: its roles and their ports,
/// placement needs, pinned version, dependencies and the settings it accepts. Adding a component
/// means adding a folder with one of these, not editing shared switch statements.
/// </summary>
public abstract class ComponentDefinition
{
    /// <summary>Stable id, also the key in the versions map of the bill of materials.</summary>
    public abstract string Id { get; }
    public abstract string DisplayName { get; }
    /// <summary>The tier this component belongs to in the seed.</summary>
    public abstract Tier Tier { get; }
    /// <summary>The seed's pinned version (the default bill of materials).</summary>
    public abstract string DefaultVersion { get; }
    public abstract IReadOnlyList<RoleDefinition> Roles { get; }
    public abstract InstallSource Install { get; }

    /// <summary>Components that must exist in the site for this one to work, with the reason.</summary>
    public virtual IReadOnlyList<Dependency> Requires => [];

    /// <summary>Why this component needs the external S3-compatible object store, or null if it does not.</summary>
    public virtual string? NeedsObjectStore => null;

    /// <summary>
    /// Debian 12 packages this component installs on its hosts (distro-package components), or the runtime an
    /// artifact needs from the distribution (a JRE). The offline repository is built from these.
    /// </summary>
    public virtual IReadOnlyList<string> DebianPackages => [];

    /// <summary>Renders this component's files for a host; null until the component's renderer exists.</summary>
    public virtual Rendering.IComponentRenderer? Renderer => null;

    /// <summary>Checks <c>datalyptica verify</c> runs for this component (COMPONENTS.md 2); null: only its units are checked.</summary>
    public virtual Verification.IHealthProbe? Health => null;

    /// <summary>Failover drills (`datalyptica drill`) this component declares, run by the shared harness in Drills/.</summary>
    public virtual IReadOnlyList<Contracts.IDrill> Drills => [];

    /// <summary>Judges of probe output this component declares (rolling-restart gates name them in the plan by id).</summary>
    public virtual IReadOnlyList<Contracts.OutputJudge> OutputJudges => [];

    /// <summary>Vault variables (vault_*) this component needs; values are resolved only at apply time.</summary>
    public virtual IReadOnlyList<string> SecretKeys => [];

    /// <summary>Inventory variables this component reads besides its port variables.</summary>
    public virtual IReadOnlyList<string> SettingKeys => [];

    public IEnumerable<string> KnownKeys =>
        SettingKeys.Concat(Roles.SelectMany(r => r.Ports).Select(p => p.VarName)).Append($"{Id}_version");

    protected static RoleDefinition Role(string group, string name, ResourceNeeds needs, MemberRule members, params PortSpec[] ports) =>
        new(group, name, ports, needs, members);
}

/// <summary>A dependency on another component, satisfied when any of its roles has members.</summary>
public sealed record Dependency(string ComponentId, string Why);

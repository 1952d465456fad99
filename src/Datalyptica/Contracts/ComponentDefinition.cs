using Datalyptica.Contracts.Health;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;

namespace Datalyptica.Contracts;

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

    /// <summary>
    /// An implied role: not written in inventories, taken by every host of a site where some host has this other role
    /// (the log shipper on every host of a site with Loki). Components/ImpliedRoles.cs places it when a site is built.
    /// </summary>
    public RoleDefinition? OnEveryHostWith { get; init; }

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
    /// <summary>
    /// How an <see cref="InstallSource.Artifact"/> component's artifact unpacks when it has no upstream release to
    /// declare it (<see cref="Releases"/>): a Python application's wheelhouse, built for the site (docs/PYTHON-APPS.md).
    /// </summary>
    public virtual ArchiveFormat? SiteBuiltArtifact => null;

    /// <summary>
    /// Where the software comes from on this site's hosts: <see cref="Install"/> unless a setting of the component chooses
    /// another source (JupyterHub: <c>jupyterhub_install: debian</c>). Everything that acts on a site asks this, never
    /// <see cref="Install"/>, which is the default.
    /// </summary>
    public virtual InstallSource InstallOn(Site site) => Install;

    /// <summary>Components that must exist in the site for this one to work, with the reason (the default install's).</summary>
    public virtual IReadOnlyList<Dependency> Requires => [];

    /// <summary>What this site's install of the component needs (a Debian-packaged JupyterHub logs in with PAM: no Keycloak).</summary>
    public virtual IReadOnlyList<Dependency> RequiresOn(Site site) => Requires;

    /// <summary>Why this component needs the external S3-compatible object store, or null if it does not.</summary>
    public virtual string? NeedsObjectStore => null;

    /// <summary>
    /// Debian 12 packages this component installs on its hosts (distro-package components), or the runtime an
    /// artifact needs from the distribution (a JRE). The offline repository is built from these.
    /// </summary>
    /// <remarks>Every package any install of the component can need (a repository that serves any site).</remarks>
    public virtual IReadOnlyList<string> DebianPackages => [];

    /// <summary>
    /// The upstream releases of this component (artifact components) with a manifest: where each version's file and
    /// checksum are published, how it unpacks (Contracts/ArtifactRelease.cs). Declared in its folder (XRelease.cs).
    /// </summary>
    public virtual IReadOnlyList<ArtifactRelease> Releases => [];

    /// <summary>Other artifacts this component's hosts need whatever its version (Trino: a JDK 23 that Debian 12 does not ship).</summary>
    public virtual IReadOnlyList<ArtifactRelease> Runtimes => [];

    /// <summary>
    /// The Debian packages this component installs for a given site (a package named after a pinned version, such as
    /// postgresql-16); <see cref="DebianPackages"/> by default.
    /// </summary>
    public virtual IReadOnlyList<string> PackagesFor(Site site) => DebianPackages;

    /// <summary>
    /// The Debian packages that carry this component's own version and move together in <c>datalyptica upgrade SITE ID
    /// VERSION</c> (PostgreSQL: the server and its client, built from one source at one version). Empty: the component
    /// has no package upgrade.
    /// </summary>
    public virtual IReadOnlyList<string> VersionedPackages(Site site) => [];

    /// <summary>
    /// The component whose services restart to run the new binaries after an upgrade of this one's packages: its own
    /// by default; PostgreSQL runs under Patroni, so Patroni's units restart (and Patroni's switchover hands over).
    /// </summary>
    public virtual string UpgradeRestarts => Id;

    /// <summary>Renders this component's files for a host; null until the component's renderer exists.</summary>
    public virtual IComponentRenderer? Renderer => null;

    /// <summary>Checks <c>datalyptica verify</c> runs for this component (docs/VERIFY.md); null: only its units are checked.</summary>
    public virtual IHealthProbe? Health => null;

    /// <summary>
    /// Validation rules about this component alone; the validator runs them after the generic rules, for every
    /// component of the catalog (a rule returns nothing when the site does not deploy its component).
    /// </summary>
    public virtual IReadOnlyList<IValidationRule> ValidationRules => [];

    /// <summary>
    /// What to report when <paramref name="dependent"/> needs this component and the site has none, if something
    /// more telling than the generic missing dependency (DL301) applies; null for the generic finding.
    /// </summary>
    public virtual Diagnostics.Diagnostic? MissingDependencyFinding(Site site, ComponentDefinition dependent, Diagnostics.SourceRef? source) => null;

    /// <summary>Who calls each port this component serves; the host firewall opens each port to exactly these (issue 12).</summary>
    public virtual IReadOnlyList<Access> Firewall => [];
    /// <summary>Ports any address may reach, without a caller list (the completeness test accepts them): none today.</summary>
    public virtual IReadOnlyList<PortSpec> PublicPorts => [];
    /// <summary>Prometheus jobs that scrape this component, and its alert rule files.</summary>
    public virtual IReadOnlyList<ScrapeJob> ScrapeJobs => [];
    public virtual IReadOnlyList<AlertGroup> Alerts => [];
    /// <summary>Why the component is not scraped, when it has no scrape job (written into prometheus.yml).</summary>
    public virtual NotScraped? NotScraped => null;
    /// <summary>Where the component is published on the HTTPS front door (HAProxy).</summary>
    public virtual IReadOnlyList<HttpRoute> HttpRoutes => [];

    /// <summary>
    /// How the component lives on its hosts: service account, units (packaged or rendered, reload or restart, inputs,
    /// rolling group and order), replaced distro units and extra guarded commands. Declared in its folder (XLifecycle.cs).
    /// </summary>
    public abstract ComponentLifecycle Lifecycle { get; }

    /// <summary>Settings the running component holds outside its files, which `datalyptica snapshot` records (none by default).</summary>
    public virtual IReadOnlyList<LiveSetting> LiveSettings => [];

    /// <summary>What a member of <paramref name="role"/> needs when it leaves (`hosts remove`, `scale` in): nothing beyond the common steps by default.</summary>
    public virtual MemberDeparture DepartureOf(RoleDefinition role) => MemberDeparture.Plain;

    /// <summary>Failover drills (`datalyptica drill`) this component declares, run by the shared harness in Drills/.</summary>
    public virtual IReadOnlyList<IDrill> Drills => [];

    /// <summary>Judges of probe output this component declares (rolling-restart gates name them in the plan by id).</summary>
    public virtual IReadOnlyList<OutputJudge> OutputJudges => [];

    /// <summary>Vault variables (vault_*) this component needs; values are resolved only at apply time.</summary>
    /// <remarks>Every secret any install of the component can need (so the loader knows them as the platform's).</remarks>
    public virtual IReadOnlyList<string> SecretKeys => [];

    /// <summary>
    /// Databases and login roles this component needs in the site's Patroni cluster (none by default). Apply creates them on
    /// the Patroni leader; the renderer must connect with exactly these names (a site setting may choose them, hence the site).
    /// </summary>
    public virtual IReadOnlyList<ApplicationDatabase> ApplicationDatabases(Site site) => [];

    /// <summary>
    /// Folders the component's units need on <paramref name="host"/> beyond its config, data and log folders (which every
    /// component gets): a unit's WorkingDirectory or ReadWritePaths must exist before systemd spawns it ("Failed at step
    /// NAMESPACE", found on the lab). Created by the host's tmpfiles as the service account, 0750.
    /// </summary>
    public virtual IReadOnlyList<string> ServiceFolders(Site site, Host host) => [];

    /// <summary>The vault variables this site's install of the component needs (validate asks for these, init generates them).</summary>
    public virtual IReadOnlyList<string> SecretKeysOn(Site site) => SecretKeys;

    /// <summary>Inventory variables this component reads besides its port variables, each with its type, default and range.</summary>
    public virtual IReadOnlyList<SettingSpec> Settings => [];

    /// <summary>The port variables of its roles (a host may move a port: <c>trino_http_port: 8081</c>), as settings.</summary>
    public IEnumerable<SettingSpec> PortSettings =>
        Roles.SelectMany(r => r.Ports).DistinctBy(p => p.VarName).Select(PortSetting.For);

    protected static RoleDefinition Role(string group, string name, ResourceNeeds needs, MemberRule members, params PortSpec[] ports) =>
        new(group, name, ports, needs, members);
}

/// <summary>Port variables as settings: a port number a host may move, 1..65535.</summary>
public static class PortSetting
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, IntSetting> Cache = new();

    public static IntSetting For(PortSpec port) => Cache.GetOrAdd(port.VarName, _ =>
        new IntSetting(port.VarName, port.Number, 1, 65535, $"the {port.Name} port ({port.Protocol.ToString().ToLowerInvariant()})")
            { Scope = SettingScope.Host });
}

/// <summary>A dependency on another component, satisfied when any of its roles has members.</summary>
public sealed record Dependency(string ComponentId, string Why);

namespace Datalyptica.Engine.Facts;

/// <summary>The host's /etc/os-release (ID, VERSION_ID, ...). <see cref="Unknown"/> when the file was missing or unreadable.</summary>
public sealed record OsRelease(string Id, string VersionId, string PrettyName, IReadOnlyList<string> IdLike)
{
    public static readonly OsRelease Unknown = new("unknown", "", "unknown", []);
    public bool IsDebianFamily => Id == "debian" || IdLike.Contains("debian");
    public bool IsRhelFamily => Id is "rhel" or "rocky" or "almalinux" || IdLike.Contains("rhel");
}

/// <summary>
/// Whether the host is a container (the lab's systemd-nspawn hosts, podman, docker), and which one.
/// Containers refuse some kernel settings (vm.*) and the clock: those resources are "not applicable here".
/// </summary>
public sealed record ContainerInfo(bool IsContainer, string Kind)
{
    public static readonly ContainerInfo None = new(false, "none");
}

/// <summary>A Debian package as dpkg knows it. <see cref="NotInstalled"/> is the defined absent value.</summary>
public sealed record PackageFact(bool Installed, string? Version)
{
    public static readonly PackageFact NotInstalled = new(false, null);
}

/// <summary>A regular file: its SHA-256, octal mode, owner and group. <see cref="Absent"/> when it does not exist.</summary>
public sealed record FileFact(bool Exists, string? Sha256, string? Mode, string? Owner, string? Group)
{
    public static readonly FileFact Absent = new(false, null, null, null, null);
    /// <summary>Something that is not a regular file sits at the path (a folder, a device).</summary>
    public bool NotARegularFile { get; init; }
}

/// <summary>A folder. <see cref="Absent"/> when it does not exist (or something else sits at the path).</summary>
public sealed record DirectoryFact(bool Exists, string? Mode, string? Owner, string? Group)
{
    public static readonly DirectoryFact Absent = new(false, null, null, null);
}

/// <summary>A symbolic link and where it points. <see cref="Absent"/> when the path is not a link.</summary>
public sealed record LinkFact(bool Exists, string? Target)
{
    public static readonly LinkFact Absent = new(false, null);
}

/// <summary>systemctl is-enabled / is-active. <see cref="NotFound"/> when systemd does not know the unit.</summary>
public sealed record UnitFact(string Enabled, string Active)
{
    /// <summary>
    /// systemd's NeedDaemonReload: a unit file or drop-in on disk is newer than what systemd loaded. Catches a unit
    /// file written by an apply that failed before its daemon-reload (seen on the lab: the chrony drop-in was written,
    /// the layer failed later, and the next apply started chrony with the old unit, which skipped it).
    /// </summary>
    public bool NeedsReload { get; init; }
    public static readonly UnitFact NotFound = new("not-found", "inactive");
    public bool IsEnabled => Enabled is "enabled" or "enabled-runtime" or "static" or "alias" or "indirect" or "generated";
    public bool IsMasked => Enabled is "masked" or "masked-runtime";
    public bool IsActive => Active is "active" or "reloading" or "activating";
}

/// <summary>
/// Everything the plan knows about one host, gathered in one round trip (<see cref="FactScript"/>).
/// Lookups return the defined absent value for anything not reported, so a resource never sees null.
/// </summary>
public sealed record HostFacts
{
    public OsRelease Os { get; init; } = OsRelease.Unknown;
    public ContainerInfo Container { get; init; } = ContainerInfo.None;
    public IReadOnlyDictionary<string, PackageFact> Packages { get; init; } = new Dictionary<string, PackageFact>();
    public IReadOnlyDictionary<string, FileFact> Files { get; init; } = new Dictionary<string, FileFact>();
    public IReadOnlyDictionary<string, DirectoryFact> Directories { get; init; } = new Dictionary<string, DirectoryFact>();
    public IReadOnlyDictionary<string, LinkFact> Links { get; init; } = new Dictionary<string, LinkFact>();
    public IReadOnlyDictionary<string, UnitFact> Units { get; init; } = new Dictionary<string, UnitFact>();
    /// <summary>Live kernel values; a key the kernel does not have is missing from the map.</summary>
    public IReadOnlyDictionary<string, string> Sysctl { get; init; } = new Dictionary<string, string>();
    /// <summary>Exit codes of read-only guard commands (Command resources' unless=), by resource id.</summary>
    public IReadOnlyDictionary<string, int> Guards { get; init; } = new Dictionary<string, int>();
    /// <summary>Current content of files that differ, fetched only for the diff (second, optional round trip).</summary>
    public IReadOnlyDictionary<string, string> FileContents { get; init; } = new Dictionary<string, string>();
    /// <summary>Free space in KiB on the root file system; null when df gave nothing usable.</summary>
    public long? FreeDiskKb { get; init; }
    /// <summary>The host's ownership records, line by line (<see cref="Planning.Ownership"/>): untrusted until read there.</summary>
    public IReadOnlyList<OwnedLine> Owned { get; init; } = [];
    /// <summary>Lines the parser could not read (kept for diagnostics, never fatal).</summary>
    public IReadOnlyList<string> Unparsed { get; init; } = [];

    public PackageFact Package(string name) => Packages.GetValueOrDefault(name) ?? PackageFact.NotInstalled;
    public FileFact File(string path) => Files.GetValueOrDefault(path) ?? FileFact.Absent;
    public DirectoryFact Directory(string path) => Directories.GetValueOrDefault(path) ?? DirectoryFact.Absent;
    public LinkFact Link(string path) => Links.GetValueOrDefault(path) ?? LinkFact.Absent;
    public UnitFact Unit(string name) => Units.GetValueOrDefault(name) ?? UnitFact.NotFound;
    public string? SysctlValue(string key) => Sysctl.GetValueOrDefault(key);

    /// <summary>These facts with the files and units <paramref name="more"/> reported (a second round trip) added.</summary>
    public HostFacts With(HostFacts more) => this with
    {
        Files = Files.Concat(more.Files).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value),
        Units = Units.Concat(more.Units).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value),
    };

    /// <summary>A host nothing has been done to: Debian 12, no packages, no files. Used for planning without hosts.</summary>
    public static HostFacts EmptyDebian12 { get; } = new() { Os = new OsRelease("debian", "12", "Debian GNU/Linux 12 (bookworm)", []) };
}

/// <summary>One line of a host's ownership record LAYER.list; <see cref="Text"/> null marks that the record exists.</summary>
public sealed record OwnedLine(string Layer, string? Text);

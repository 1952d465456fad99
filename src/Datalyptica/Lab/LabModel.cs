using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Datalyptica.Lab;

/// <summary>Where a lab lives and how its network looks. Defaults: /var/lib/datalyptica/lab, bridge dl-lab0 on 10.77.0.1/24.</summary>
public sealed partial record LabOptions
{
    public const string DefaultRoot = "/var/lib/datalyptica/lab";

    public string Name { get; init; } = "default";
    public string Root { get; init; } = DefaultRoot;
    public string Bridge { get; init; } = "dl-lab0";
    /// <summary>The first three octets of the lab /24: the bridge is .1, hosts are .11, .12, ...</summary>
    public string Subnet { get; init; } = "10.77.0";
    /// <summary>Hosts are .11, .12, ... of the lab /24, up to the octet before <see cref="FirstVipOctet"/>.</summary>
    public const int FirstHostOctet = 11;
    /// <summary>How many hosts a new lab gets when no count is given: the `lab` profile's quorums need 3.</summary>
    public const int DefaultHosts = 3;
    public string Suite { get; init; } = "bookworm";
    public TimeSpan SshWait { get; init; } = TimeSpan.FromSeconds(90);
    /// <summary>How many hosts `lab up` lets boot at the same time (four per core, at least 4).</summary>
    public int BootingAtOnce { get; init; } = Math.Max(4, Environment.ProcessorCount * 4);
    /// <summary>Write a site of bare hosts (the OS base layer only) instead of the `lab` profile: benchmarks, OS-base tests.</summary>
    public bool BareSite { get; init; }
    /// <summary>Write the lab site with JupyterHub from Debian's package on lab01-02 (<see cref="Profiles.BuiltInProfiles.LabWithJupyterHub"/>).</summary>
    public bool JupyterHub { get; init; }
    /// <summary>
    /// Write the lab site with every component placed (<see cref="Profiles.BuiltInProfiles.LabWithStandIns"/>): the
    /// artifact components install from stand-in archives a test imports into the site's store (docs/STAND-INS.md).
    /// </summary>
    public bool StandIns { get; init; }
    /// <summary>Write the lab site with etcd on hosts of its own (<see cref="Profiles.BuiltInProfiles.LabWithEtcdApart"/>, 6 hosts).</summary>
    public bool EtcdApart { get; init; }

    public string BridgeAddress => $"{Subnet}.1";
    public string LabDirectory => Path.Combine(Root, Name);
    public string ImagesDirectory => Path.Combine(Root, "images");
    /// <summary>
    /// The offline repository lab sites install from (apply serves it on the bridge; shared by every lab under this
    /// root, built once by `lab up`, see <see cref="LabRepository"/>).
    /// </summary>
    public string RepositoryDirectory => Path.Combine(Root, "repository", "lab");
    public string StateFile => Path.Combine(LabDirectory, "state.json");
    public string PrivateKeyFile => Path.Combine(LabDirectory, "id_ed25519");
    public string KnownHostsFile => Path.Combine(LabDirectory, "known_hosts");
    public string HostDirectory(string host) => Path.Combine(LabDirectory, "hosts", host);
    public string MergedDirectory(string host) => Path.Combine(HostDirectory(host), "merged");
    public string LogFile(string host) => Path.Combine(LabDirectory, "logs", host + ".log");
    /// <summary>The per-host cgroup, relative to a hierarchy root (the named systemd and the unified ones).</summary>
    public string CgroupPath(string host) => $"datalyptica-lab/{Name}/{host}";

    /// <summary>
    /// The nspawn machine name: the host name in the default lab, "LAB-HOST" in others. nspawn derives the veth
    /// (vb-NAME) and /run/systemd/nspawn/propagate/NAME from it, so two labs with the same host names would collide
    /// ("Failed to add new veth interfaces (vb-lab01:host0): File exists"). The host's own name stays HOST (--hostname).
    /// </summary>
    public string MachineName(string host) => Name == "default" ? host : $"{Name}-{host}";

    public static string HostName(int index) => $"lab{index + 1:D2}";

    /// <summary>A lab name: a folder, part of machine and nftables names; letters, digits and '-' only (at most 32).</summary>
    public static bool IsLabName(string name) => LabNamePattern().IsMatch(name);

    /// <summary>A Linux interface name (IFNAMSIZ: at most 15 bytes), safe in a path under /proc and in an nftables string.</summary>
    public static bool IsBridgeName(string name) => BridgeNamePattern().IsMatch(name);

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial System.Text.RegularExpressions.Regex LabNamePattern();

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$")]
    private static partial System.Text.RegularExpressions.Regex BridgeNamePattern();
    public IPAddress HostAddress(int index) => IPAddress.Parse($"{Subnet}.{FirstHostOctet + index}");

    /// <summary>The first address a lab site gives its VIPs: hosts end below it (.11-.99), so at most 89 hosts.</summary>
    public const int FirstVipOctet = 100;
    public const int MaxHosts = FirstVipOctet - FirstHostOctet;
}

/// <summary>One host of a running lab, as the state file records it.</summary>
public sealed record LabHostState(string Name, string Address)
{
    /// <summary>The systemd-nspawn process; TERM to it is a clean poweroff.</summary>
    public int? Pid { get; init; }
    /// <summary>Start time of <see cref="Pid"/> (field 22 of /proc/PID/stat) so a reused PID is never signalled.</summary>
    public long? PidStart { get; init; }
    /// <summary>The host's init (nspawn's child): survives a KILL of nspawn, so down kills it by its own PID.</summary>
    public int? InitPid { get; init; }
    public long? InitPidStart { get; init; }
}

/// <summary>The state file of a lab: enough to find and remove everything the lab made, even after a crash.</summary>
public sealed record LabState(string Name, string Bridge, string BridgeAddress, string Image, IReadOnlyList<LabHostState> Hosts)
{
    public DateTimeOffset Created { get; init; } = DateTimeOffset.UtcNow;
    public string? Site { get; init; }
    /// <summary>This lab's disaster-recovery peer, when `lab dr-link` paired it with another lab.</summary>
    public LabDrPeer? Dr { get; init; }

    /// <summary>This state with the host of the same name replaced by <paramref name="host"/>.</summary>
    public LabState WithHost(LabHostState host) => this with { Hosts = Hosts.Select(h => h.Name == host.Name ? host : h).ToList() };

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static LabState FromJson(string json) =>
        JsonSerializer.Deserialize<LabState>(json, Json) ?? throw new InvalidDataException("empty lab state file");

    public static LabState? Load(string path) => File.Exists(path) ? FromJson(File.ReadAllText(path)) : null;

    public void Save(string path) => IO.AtomicFile.Write(path, ToJson() + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
}

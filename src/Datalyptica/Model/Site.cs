using System.Net;
using Datalyptica.Diagnostics;

namespace Datalyptica.Model;

public enum SiteRole { Primary, Standby }

/// <summary>A virtual IP held by Keepalived on the hosts of <see cref="Group"/>; the prefix defines its subnet.</summary>
public sealed record Vip(string Name, IPAddress Address, int PrefixLength, int RouterId, string Group)
{
    public string? Interface { get; init; }
    public SourceRef? Source { get; init; }
    public string Cidr => $"{Address}/{PrefixLength}";
}

/// <summary>A reference to a secret by its inventory variable name; the value is resolved from the vault at apply time.</summary>
public sealed record SecretRef(string VarName)
{
    public override string ToString() => $"{{{{ {VarName} }}}}";
}

/// <summary>A secret the inventory defines: its variable, whether it is vault-encrypted, and where it is set.</summary>
public sealed record SecretDefinition(string VarName, bool Encrypted, SourceRef? Source);

/// <summary>The external S3-compatible object store: endpoint, buckets per purpose, and credentials by reference.</summary>
public sealed record ObjectStore(
    string Endpoint,
    string Region,
    IReadOnlyDictionary<string, string> Buckets,
    SecretRef AccessKey,
    SecretRef SecretKey)
{
    public bool PathStyle { get; init; } = true;
    /// <summary>
    /// PEM of the CA that signed the endpoint's TLS certificate, when it is not one the hosts already trust (a private
    /// CA, the lab's). Public, not a secret. Rendered to a file on the hosts that talk to the store.
    /// </summary>
    public string? CaCertificate { get; init; }
    public SourceRef? Source { get; init; }

    public static readonly IReadOnlyList<string> BucketPurposes = ["warehouse", "staging", "backups", "ml", "logs"];

    /// <summary>
    /// The compliance copy of PostgreSQL's backups: pgBackRest's second repository, a monthly full backup kept for a year
    /// (the seed's 1-year compliance retention). Optional: without it backups are kept for pgbackrest_retention_full only.
    /// </summary>
    public const string ArchivePurpose = "archive";
    public static readonly IReadOnlyList<string> OptionalBucketPurposes = [ArchivePurpose];
    /// <summary>Every purpose a site may name a bucket for, the optional ones last.</summary>
    public static IEnumerable<string> AllBucketPurposes => BucketPurposes.Concat(OptionalBucketPurposes);
}

/// <summary>
/// A whole deployment site: its hosts, endpoints and pinned versions. Immutable; built from an
/// inventory (<see cref="Sites.SiteLoader"/>) or a built-in profile (<see cref="Profiles.BuiltInProfiles"/>).
/// </summary>
public sealed record Site(
    string Name,
    string Environment,
    SiteRole Role,
    string Domain,
    IReadOnlyList<Host> Hosts,
    IReadOnlyList<Vip> Vips,
    ObjectStore? ObjectStore,
    IReadOnlyDictionary<string, string> Versions)
{
    /// <summary>
    /// A `datalyptica lab` site (hosts sharing one machine): sizes are not checked, and only here may release-faithful
    /// stand-ins be installed and pass verify.
    /// </summary>
    public bool IsLab => Environment == "lab";

    /// <summary>Site-wide variables (group <c>all</c>), with where each was set.</summary>
    public IReadOnlyDictionary<string, Setting> Vars { get; init; } = new Dictionary<string, Setting>();

    /// <summary>Variables of other groups (tier and role groups), as written to group_vars/GROUP.yml.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, Setting>> GroupVars { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, Setting>>();

    /// <summary>Where each group is declared in hosts.yml, so a finding about a group can name its line.</summary>
    public IReadOnlyDictionary<string, SourceRef> GroupSources { get; init; } = new Dictionary<string, SourceRef>();

    /// <summary>
    /// Every inventory group (custom ones too) with its hosts, its descendants' included, in Ansible's order (what
    /// --limit patterns match); empty for a site not read from an inventory.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> GroupHosts { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Names of the vault_* variables the site defines, and whether each is encrypted.</summary>
    public IReadOnlyDictionary<string, SecretDefinition> Secrets { get; init; } = new Dictionary<string, SecretDefinition>();

    /// <summary>The folder the site was read from, if any.</summary>
    public string? Directory { get; init; }

    /// <summary>The public half of the site's PKI (CA and issued certificates), once plan/apply issued them.</summary>
    public SitePki? Pki { get; init; }

    /// <summary>
    /// The ASCII-armoured OpenPGP public key the site's offline apt repository is signed with (SITE/pki/repository-key.asc),
    /// once plan/apply made it; null for a site that serves no repository or has not been planned with its vault password.
    /// </summary>
    public string? RepositoryKey { get; init; }

    /// <summary>Object storage the site plans for, in TB (it is external, so it is not a host's disk).</summary>
    public int ObjectStorageTb { get; init; }

    public IEnumerable<Host> HostsInGroup(string group) => Hosts.Where(h => h.RoleGroups.Contains(group));

    public SourceRef? GroupSource(string group) => GroupSources.GetValueOrDefault(group) ?? Source;

    /// <summary>Where the site-wide settings (group <c>all</c>) begin, as the loader found them.</summary>
    public SourceRef? SettingsSource { get; init; }

    /// <summary>Where site-wide settings live (group_vars/all), for findings that have no better place.</summary>
    public SourceRef? Source => SettingsSource ?? (Directory is null ? null : new SourceRef("hosts.yml"));

    // HostsWith, Deploys and Components depend on the component catalog: extension members in
    // Components/CatalogModelExtensions.cs.

    public Setting? Var(string key) => Vars.GetValueOrDefault(key);
}

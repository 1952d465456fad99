using System.Text;

namespace Datalyptica.Diagnostics;

/// <summary>
/// One finding code: the stable code users see (DLnnn), a short stable name, the severity every finding with
/// this code has, and what it means in one line. Declared only in <see cref="FindingCodes"/>.
/// </summary>
public sealed record FindingCode(string Code, string Name, Severity Severity, string Meaning)
{
    public override string ToString() => Code;
}

/// <summary>
/// Every finding code, declared once (issue 12). Code that reports a finding names one of these fields; a test
/// fails on a duplicate code or name and on a "DLnnn" string literal anywhere else in src. docs/VALIDATION.md's
/// table is generated from <see cref="All"/> by <see cref="MarkdownTable"/>.
/// Ranges: 1xx member counts and component rules, 2xx ports and VIPs, 3xx dependencies and the object store,
/// 4xx capacity, 5xx the inventory itself (50x site settings, 51x names, 52x hosts, 53x loader, 54x
/// `inventory generate`, 550-559 reserved for typed settings, 56x the site as untrusted input), 6xx secrets, 9xx notes.
/// </summary>
public static class FindingCodes
{
    // Declared first: the field initializers below run in text order and each adds itself here.
    private static readonly List<FindingCode> Declared = [];

    private static FindingCode Define(string code, string name, Severity severity, string meaning)
    {
        var finding = new FindingCode(code, name, severity, meaning);
        Declared.Add(finding);
        return finding;
    }

    // 1xx: member counts and the rules of single components.
    public static readonly FindingCode TooFewMembers = Define("DL101", "too-few-members", Severity.Error,
        "a role has fewer members than it needs (e.g. 2 etcd, 2 Sentinels, 1 Patroni member)");
    public static readonly FindingCode EvenQuorum = Define("DL102", "even-quorum", Severity.Error,
        "a quorum (etcd, ZooKeeper, KRaft controllers, ClickHouse Keeper) has an even member count");
    public static readonly FindingCode TooManyMembers = Define("DL103", "too-many-members", Severity.Warning,
        "more members than make sense (etcd > 7, KRaft controllers > 5, JupyterHub > 2)");
    public static readonly FindingCode KafkaReplicationAboveBrokers = Define("DL110", "kafka-replication-above-brokers", Severity.Error,
        "Kafka replication factor larger than the broker count");
    public static readonly FindingCode KafkaInsyncNotBelowReplication = Define("DL111", "kafka-insync-not-below-replication", Severity.Error,
        "`min.insync.replicas` not below the replication factor");
    public static readonly FindingCode KafkaSingleInsyncReplica = Define("DL112", "kafka-single-insync-replica", Severity.Warning,
        "`min.insync.replicas` 1 with RF ≥ 3 (RPO > 0)");
    public static readonly FindingCode KafkaClusterIdMissing = Define("DL113", "kafka-cluster-id-missing", Severity.Error,
        "KRaft cluster id missing (one of the wrong form is DL551)");
    public static readonly FindingCode PatroniNotSynchronous = Define("DL120", "patroni-not-synchronous", Severity.Error,
        "Patroni without `synchronous_mode` (RPO 0 promised)");
    public static readonly FindingCode PatroniSyncCountTooHigh = Define("DL121", "patroni-sync-count-too-high", Severity.Error,
        "`synchronous_node_count` leaves no member to fail over to");
    public static readonly FindingCode PostgresMajorNotInOsRepository = Define("DL130", "postgres-major-not-in-os-repository", Severity.Error,
        "the pinned PostgreSQL major is not the one Debian 12 ships (15) and the site does not say its package source carries PGDG (`postgresql_pgdg`)");
    public static readonly FindingCode PackagePinUnused = Define("DL131", "package-pin-unused", Severity.Error,
        "`datalyptica_package_versions` pins a package that no component of the site installs (a misspelt name would pin nothing)");
    // DL122 (Patroni ttl below 20) is retired: the range of patroni_ttl is its declaration's (DL551).
    public static readonly FindingCode PatroniTimingExceedsTtl = Define("DL123", "patroni-timing-exceeds-ttl", Severity.Error,
        "Patroni `loop_wait + 2 × retry_timeout` exceeds `ttl`");
    public static readonly FindingCode AppDatabaseConflict = Define("DL124", "app-database-conflict", Severity.Error,
        "two components declare one application database or role, or one names a platform role or database (postgres, monitor, pg_*)");
    public static readonly FindingCode DrPrimaryMissing = Define("DL125", "dr-primary-missing", Severity.Error,
        "a standby site (`datalyptica_site_role: standby`) runs PostgreSQL but names no `dr_primary_address` to stream from");
    public static readonly FindingCode DrPrimaryOnPrimarySite = Define("DL126", "dr-primary-on-primary-site", Severity.Error,
        "a primary site sets `dr_primary_address` (only a standby site streams from another site)");
    public static readonly FindingCode DrPrimaryRepositoryIncomplete = Define("DL127", "dr-primary-repository-incomplete", Severity.Error,
        "a standby site names only one of `dr_primary_backups_bucket` and `dr_primary_stanza` (its fallback to the primary's pgBackRest repository needs both)");

    // 2xx: ports and VIPs.
    public static readonly FindingCode PortCollision = Define("DL201", "port-collision", Severity.Error,
        "two listeners want one port on one host (names both and the variable that moves one)");
    // DL202 (a port variable that is not a port) is retired: port variables are declared settings (DL550/DL551).
    public static readonly FindingCode VipMalformed = Define("DL210", "vip-malformed", Severity.Error,
        "a VIP is not an IPv4 address with a prefix between /8 and /30");
    public static readonly FindingCode VipGroupEmpty = Define("DL211", "vip-group-empty", Severity.Error,
        "a VIP's holder group has no hosts");
    public static readonly FindingCode VipOutsideSubnet = Define("DL212", "vip-outside-subnet", Severity.Error,
        "a VIP is outside the subnet of a host that may hold it");
    public static readonly FindingCode VipIsHostAddress = Define("DL213", "vip-is-host-address", Severity.Error,
        "a VIP equals a host's address");
    public static readonly FindingCode VipNetworkOrBroadcast = Define("DL214", "vip-network-or-broadcast", Severity.Error,
        "a VIP is the network or broadcast address of its subnet");
    public static readonly FindingCode VipRouterIdOutOfRange = Define("DL215", "vip-router-id-out-of-range", Severity.Error,
        "a VIP's VRRP router id is outside 1-255");
    public static readonly FindingCode VipRouterIdShared = Define("DL216", "vip-router-id-shared", Severity.Error,
        "two VIPs share a VRRP router id");
    public static readonly FindingCode VipDuplicate = Define("DL217", "vip-duplicate", Severity.Error,
        "two VIPs have the same address");
    public static readonly FindingCode KeepalivedWithoutVip = Define("DL218", "keepalived-without-vip", Severity.Error,
        "Keepalived hosts exist but the site defines no VIP");

    // 3xx: dependencies and the object store.
    public static readonly FindingCode DependencyMissing = Define("DL301", "dependency-missing", Severity.Error,
        "a component's dependency is missing (Patroni → etcd; Nessie, Airflow, Superset, MLflow, Keycloak, Grafana → PostgreSQL; " +
        "Spark, Flink → ZooKeeper; Superset → Redis; Schema Registry → Kafka; JupyterHub from its artifact → Keycloak; Keepalived → HAProxy)");
    public static readonly FindingCode ZooKeeperOnlyKeeper = Define("DL302", "zookeeper-only-keeper", Severity.Error,
        "Spark/Flink HA with only ClickHouse Keeper (why Keeper cannot serve them: docs/TOPOLOGY.md)");
    public static readonly FindingCode JupyterHubDebianWithSso = Define("DL303", "jupyterhub-debian-with-sso", Severity.Error,
        "JupyterHub installs from Debian 12 (no oauthenticator) on a site that deploys Keycloak for single sign-on");
    public static readonly FindingCode ObjectStoreMissing = Define("DL310", "object-store-missing", Severity.Error,
        "object store missing while Iceberg, Flink, Loki, MLflow or pgBackRest need it");
    public static readonly FindingCode ObjectStoreEndpointNotUrl = Define("DL311", "object-store-endpoint-not-url", Severity.Error,
        "object store endpoint is not an http(s) URL");
    public static readonly FindingCode ObjectStorePlainHttp = Define("DL312", "object-store-plain-http", Severity.Warning,
        "object store endpoint is plain HTTP");
    public static readonly FindingCode ObjectStoreBucketMissing = Define("DL313", "object-store-bucket-missing", Severity.Error,
        "object store lacks a bucket (warehouse, staging, backups, ml, logs)");
    public static readonly FindingCode ObjectStoreBucketInvalid = Define("DL314", "object-store-bucket-invalid", Severity.Error,
        "a bucket name is not a valid S3 bucket name");
    public static readonly FindingCode ObjectStoreNoArchiveBucket = Define("DL315", "object-store-no-archive-bucket", Severity.Info,
        "PostgreSQL backups have no 1-year compliance copy: the object store names no archive bucket");

    // 4xx: capacity.
    public static readonly FindingCode HostSizeMissing = Define("DL401", "host-size-missing", Severity.Error,
        "a host has no size (vCPU or RAM)");
    public static readonly FindingCode HostRamTooLow = Define("DL402", "host-ram-too-low", Severity.Error,
        "a host's RAM is below what its roles need");
    public static readonly FindingCode HostVCpuTooLow = Define("DL403", "host-vcpu-too-low", Severity.Warning,
        "a host's vCPU count is below what its roles want");
    public static readonly FindingCode HostDiskTooSmall = Define("DL404", "host-disk-too-small", Severity.Error,
        "a host's disk is below what its roles need");
    public static readonly FindingCode LabSizesNotChecked = Define("DL405", "lab-sizes-not-checked", Severity.Info,
        "a `lab` environment site: hosts share one machine, sizes are not checked");

    // 5xx: the inventory itself.
    public static readonly FindingCode InventoryUnreadable = Define("DL500", "inventory-unreadable", Severity.Error,
        "the inventory cannot be read (YAML error, bad host range, vault password missing or wrong)");
    public static readonly FindingCode EnvironmentUnknown = Define("DL501", "environment-unknown", Severity.Error,
        "the environment is not one of the known ones");
    public static readonly FindingCode DomainInvalid = Define("DL502", "domain-invalid", Severity.Error,
        "the domain is not a DNS name");
    public static readonly FindingCode VersionForUnknownComponent = Define("DL503", "version-for-unknown-component", Severity.Warning,
        "a version is pinned for an unknown component (with \"did you mean\")");
    public static readonly FindingCode VersionEmpty = Define("DL504", "version-empty", Severity.Error,
        "a pinned version is empty");
    public static readonly FindingCode SshOpenToEveryone = Define("DL505", "ssh-open-to-everyone", Severity.Error,
        "a production or dr site does not say who may reach SSH (`nftables_ssh_sources`), so port 22 would be open to every address");
    public static readonly FindingCode StandInOutsideLab = Define("DL506", "stand-in-outside-lab", Severity.Error,
        "a site whose environment is not `lab` has a stand-in (the lab's release-faithful stand-in, not the real release) in its artifact store for an artifact it installs");
    public static readonly FindingCode UnknownVariable = Define("DL510", "unknown-variable", Severity.Warning,
        "unknown variable, with \"did you mean\" (`ansible_*` and `vault_*` always pass)");
    public static readonly FindingCode GroupLooksMisspelt = Define("DL512", "group-looks-misspelt", Severity.Warning,
        "a group name that looks like a misspelt role or tier group");
    public static readonly FindingCode HostNameInvalid = Define("DL520", "host-name-invalid", Severity.Error,
        "a host name is not a valid DNS label");
    public static readonly FindingCode HostNamesEqualIgnoringCase = Define("DL521", "host-names-equal-ignoring-case", Severity.Error,
        "two host names differ only in case");
    public static readonly FindingCode HostAddressShared = Define("DL522", "host-address-shared", Severity.Error,
        "two hosts share an address");
    public static readonly FindingCode HostWithoutRole = Define("DL523", "host-without-role", Severity.Warning,
        "a host is in no component group");
    public static readonly FindingCode HostAddressInvalid = Define("DL530", "host-address-invalid", Severity.Error,
        "a host's `ansible_host` (or its name) is neither an IP address nor a DNS name that resolves to one IPv4 address");
    public static readonly FindingCode HostWithoutTier = Define("DL531", "host-without-tier", Severity.Error,
        "a host is in no tier group");
    public static readonly FindingCode HostInSeveralTiers = Define("DL532", "host-in-several-tiers", Severity.Error,
        "a host is in several tier groups");
    public static readonly FindingCode SiteRoleInvalid = Define("DL533", "site-role-invalid", Severity.Error,
        "the site role is neither primary nor standby");
    public static readonly FindingCode HostSizeNotANumber = Define("DL534", "host-size-not-a-number", Severity.Error,
        "a host's vCPU or RAM is not a positive whole number");
    public static readonly FindingCode HostDisksMalformed = Define("DL535", "host-disks-malformed", Severity.Error,
        "a host's disks are not a list, or a disk lacks mount or a positive size_gb");
    public static readonly FindingCode VipsMalformed = Define("DL536", "vips-malformed", Severity.Error,
        "the VIPs are not a list, or a VIP lacks a name or an address/prefix");
    public static readonly FindingCode ObjectStoreNotAMapping = Define("DL537", "object-store-not-a-mapping", Severity.Error,
        "the object store is not a mapping");
    public static readonly FindingCode ObjectStoreCredentialInline = Define("DL538", "object-store-credential-inline", Severity.Error,
        "an object store credential does not reference a vault variable");
    // Was DL542 until issue 12, which `inventory generate` also used for a different finding.
    public static readonly FindingCode ObjectStoreCaNotPem = Define("DL539", "object-store-ca-not-pem", Severity.Error,
        "the object store's ca_certificate is not a PEM certificate");
    public static readonly FindingCode AddressLineInvalid = Define("DL540", "address-line-invalid", Severity.Error,
        "`inventory generate`: a line of the address list is not one IPv4 address");
    public static readonly FindingCode AddressListedTwice = Define("DL541", "address-listed-twice", Severity.Error,
        "`inventory generate`: an address is listed twice");
    public static readonly FindingCode TooFewAddresses = Define("DL542", "too-few-addresses", Severity.Error,
        "`inventory generate`: fewer usable addresses than the profile has hosts");
    public static readonly FindingCode UnusedAddresses = Define("DL543", "unused-addresses", Severity.Warning,
        "`inventory generate`: more addresses than hosts; the last ones are not used");
    public static readonly FindingCode VipOptionMissing = Define("DL544", "vip-option-missing", Severity.Error,
        "`inventory generate`: the profile has load balancers but no `--vip` was given");
    public static readonly FindingCode VipOptionMalformed = Define("DL545", "vip-option-malformed", Severity.Error,
        "`inventory generate`: a `--vip` is not ADDRESS/PREFIX");
    // 55x: declared settings (one generic rule over every component's declarations) and their cross-checks.
    public static readonly FindingCode SettingWrongType = Define("DL550", "setting-wrong-type", Severity.Error,
        "a declared setting has a value of the wrong type (text where a number is read, a mapping where a list is)");
    public static readonly FindingCode SettingOutOfRange = Define("DL551", "setting-out-of-range", Severity.Error,
        "a declared setting is outside its range, not one of its values, or not of its form");
    public static readonly FindingCode VersionNotRelease = Define("DL552", "version-not-release", Severity.Error,
        "a pinned version is not a release number (`postgresql: sixteen`)");
    public static readonly FindingCode SiteSettingIgnored = Define("DL553", "site-setting-ignored", Severity.Warning,
        "a site-wide setting is set for a group or host, where nothing reads it");
    public static readonly FindingCode EtcdElectionTooShort = Define("DL554", "etcd-election-too-short", Severity.Error,
        "etcd election timeout below 5 heartbeats");
    public static readonly FindingCode SettingUnsafeText = Define("DL555", "setting-unsafe-text", Severity.Error,
        "a value holds a newline, NUL or other control or format character, or is longer than the limit");
    public static readonly FindingCode SiteNameInvalid = Define("DL556", "site-name-invalid", Severity.Error,
        "the site name is not a plain name (it becomes file names, a pgBackRest stanza, a Sentinel master name)");
    public static readonly FindingCode ObjectStoreRegionInvalid = Define("DL557", "object-store-region-invalid", Severity.Error,
        "the object store region is not a region name");
    public static readonly FindingCode HostAddressUnusable = Define("DL558", "host-address-unusable", Severity.Error,
        "a host address cannot be a host's (unspecified, broadcast, multicast, or the network or broadcast address of a VIP's subnet)");
    public static readonly FindingCode SshArgsUnusable = Define("DL559", "ssh-args-unusable", Severity.Error,
        "ansible_ssh_common_args or ansible_ssh_extra_args cannot be followed (ProxyCommand, a chain of jump hosts, a malformed ProxyJump)");
    public static readonly FindingCode ConnectionVarUnsupported = Define("DL567", "connection-var-unsupported", Severity.Error,
        "a connection variable asks for what datalyptica does not do: a become method other than sudo or a user other than root, a sudo or SSH password, a connection other than ssh, or an ansible_become that is not a boolean");
    // 56x: the site folder is untrusted input (docs/SECURITY.md); each is refused before the file's content is used or shown.
    public static readonly FindingCode SiteFileTooLarge = Define("DL560", "site-file-too-large", Severity.Error,
        "a file of the site is over 4 MiB");
    public static readonly FindingCode SiteLinkLeavesSite = Define("DL561", "site-link-leaves-site", Severity.Error,
        "a symbolic link in the site (or a linked folder) leads out of the site folder; its content is not read or shown");
    public static readonly FindingCode SiteFileNotRegular = Define("DL562", "site-file-not-regular", Severity.Error,
        "a file of the site is a FIFO, device or socket");
    public static readonly FindingCode SiteFileNotUtf8 = Define("DL563", "site-file-not-utf8", Severity.Error,
        "a file of the site is not UTF-8 (names the byte offset and line)");
    public static readonly FindingCode YamlTooLarge = Define("DL564", "yaml-too-large", Severity.Error,
        "a YAML file holds more than 250,000 nodes, each alias counted as the value it repeats (\"billion laughs\"), or nests more than 100 deep");
    public static readonly FindingCode TooManyHosts = Define("DL565", "too-many-hosts", Severity.Error,
        "a host range expands to more than 10,000 hosts, or the inventory holds more than 10,000 hosts (100,000 host entries under groups)");
    public static readonly FindingCode HostRangeReversed = Define("DL566", "host-range-reversed", Severity.Error,
        "a host range's begin is after its end (`kafka[05:01]`, `db-[f:a]`)");

    // 6xx: secrets.
    public static readonly FindingCode SecretMissing = Define("DL601", "secret-missing", Severity.Error,
        "a secret the components need is not defined");
    public static readonly FindingCode SecretInPlainText = Define("DL602", "secret-in-plain-text", Severity.Warning,
        "a secret the components need is stored in plain text");
    public static readonly FindingCode VaultPasswordWrong = Define("DL603", "vault-password-wrong", Severity.Error,
        "the vault password does not decrypt a vaulted value or file; every one is checked and named (file, line, key)");
    public static readonly FindingCode VaultPasswordUnavailable = Define("DL604", "vault-password-unavailable", Severity.Error,
        "the vault password source given yields no password (the file does not exist or is empty, the script fails, no terminal for `--ask-vault-pass`)");
    public static readonly FindingCode SecretsNotChecked = Define("DL605", "secrets-not-checked", Severity.Warning,
        "no vault password was given, so the site's vaulted values were not checked");
    public static readonly FindingCode VaultPasswordRequired = Define("DL606", "vault-password-required", Severity.Error,
        "the vault password is needed and none was given: a vault-encrypted file, or a verb that uses the secrets (plan, apply, verify, backup, drill; refused before any host is contacted)");
    public static readonly FindingCode SitePasswordFileUnsafe = Define("DL607", "site-password-file-unsafe", Severity.Error,
        "the site's `.vault-password` (or ansible.cfg's `vault_password_file`) is a link, not owned by the user, readable by others or executable");
    public static readonly FindingCode SecretUnsafe = Define("DL608", "secret-unsafe", Severity.Error,
        "a !vault value holds a line break, NUL or another control character: secrets are filled into configuration files as they are, where one could add a line (the value is never shown)");

    // 9xx: notes on where the platform departs from the reference design.
    public static readonly FindingCode ZooKeeperForSparkFlink = Define("DL900", "zookeeper-for-spark-flink", Severity.Info,
        "ZooKeeper runs for Spark/Flink HA despite the reference design");
    public static readonly FindingCode SupersetRoutedByHostName = Define("DL901", "superset-routed-by-host-name", Severity.Info,
        "Superset is routed by host name, not under /superset");

    /// <summary>Every code, in code order.</summary>
    public static IReadOnlyList<FindingCode> All { get; } = Declared.OrderBy(c => c.Code, StringComparer.Ordinal).ToList();

    public static FindingCode Get(string code) =>
        All.FirstOrDefault(c => c.Code == code) ?? throw new KeyNotFoundException($"no finding code {code}");

    /// <summary>The table of docs/VALIDATION.md, one row per code.</summary>
    public static string MarkdownTable()
    {
        var table = new StringBuilder();
        table.Append("| Code | Name | Severity | Meaning |\n|---|---|---|---|\n");
        foreach (var c in All)
            table.Append($"| {c.Code} | `{c.Name}` | {c.Severity.ToString().ToLowerInvariant()} | {c.Meaning.Replace("|", "\\|")} |\n");
        return table.ToString();
    }
}

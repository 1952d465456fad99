using System.Text.RegularExpressions;
using Datalyptica.Components;
using Datalyptica.Diagnostics;
using Datalyptica.Inventory;
using Datalyptica.Tests.Engine.Transport;
using Datalyptica.Secrets;
using Datalyptica.Sites;
using Datalyptica.Tests.Cli;
using Datalyptica.Tests.Sites;
using Datalyptica.Validation;

namespace Datalyptica.Tests.Validation;

/// <summary>
/// Every finding code in the registry has a refuse case (an edit of a real site, or an input, that produces the
/// code) and a just-inside accept case (the boundary value that does not produce it). A code without a case fails.
/// The base is the development profile as `init` writes it (15 hosts, everything co-located), edited as a user would.
/// </summary>
public sealed partial class FindingCaseTests
{
    private const string All = "group_vars/all.yml";

    /// <param name="Also">Other problems the refuse edit necessarily causes (a host dropped by the loader leaves a role short).</param>
    private sealed record Case(Func<IReadOnlyList<Diagnostic>> Refuse, Func<IReadOnlyList<Diagnostic>> Accept)
    {
        public IReadOnlyList<FindingCode> Also { get; init; } = [];
    }

    public static TheoryData<string> Codes => new(FindingCodes.All.Select(c => c.Code));

    [Theory]
    [MemberData(nameof(Codes))]
    public void The_refuse_case_produces_the_code(string code)
    {
        var expected = FindingCodes.Get(code);
        var findings = CaseOf(expected).Refuse();
        var hits = findings.Where(d => d.Code == code).ToList();
        hits.ShouldNotBeEmpty($"the refuse case of {code} ({expected.Name}) did not produce it; findings:\n{string.Join("\n", findings)}");
        hits.ShouldAllBe(d => d.Severity == expected.Severity, string.Join("\n", hits));
        // Exactly that code: any other error or warning must be one the edit necessarily causes, named in the case.
        var allowed = CaseOf(expected).Also.Select(c => c.Code).Append(code).ToHashSet();
        var others = findings.Where(d => d.Severity != Severity.Info && !allowed.Contains(d.Code)).ToList();
        others.ShouldBeEmpty($"the refuse case of {code} also produced:\n{string.Join("\n", others)}");
    }

    [Theory]
    [MemberData(nameof(Codes))]
    public void The_accept_case_at_the_boundary_does_not(string code)
    {
        var findings = CaseOf(FindingCodes.Get(code)).Accept();
        var hits = findings.Where(d => d.Code == code).ToList();
        hits.ShouldBeEmpty($"the accept case of {code} produced it:\n{string.Join("\n", hits)}");
    }

    [Fact]
    public void Every_case_is_for_a_declared_code()
    {
        Cases.Keys.Except(FindingCodes.All).ShouldBeEmpty();
    }

    private static Case CaseOf(FindingCode code)
    {
        Cases.TryGetValue(code, out var c).ShouldBeTrue($"{code} ({code.Name}) has no refuse and accept case: add one to {nameof(FindingCaseTests)}.{nameof(Cases)}");
        return c!;
    }

    // app01's needs come from its roles, so the capacity boundaries follow the catalog.
    private static readonly Lazy<Datalyptica.Contracts.ResourceNeeds> App01 = new(() =>
    {
        using var dir = SiteDir.Of();
        return dir.Load().Site!.Hosts.Single(h => h.Name == "app01").Needs;
    });
    private static readonly Lazy<int> App01RamNeed = new(() => (int)Math.Ceiling(App01.Value.RamGb));
    private static readonly Lazy<int> App01VCpuNeed = new(() => (int)Math.Ceiling(App01.Value.VCpu));
    private static readonly Lazy<int> App01DiskNeed = new(() => App01.Value.DataDiskGb);

    private static readonly Dictionary<FindingCode, Case> Cases = new()
    {
        // 1xx: member counts.
        [FindingCodes.TooFewMembers] = Site(
            d => d.RemoveHostFromGroup("redis_sentinel", "stream03"),
            _ => { }), // 3 Sentinels: the minimum
        [FindingCodes.EvenQuorum] = Site(
            d => AddHost(d, "db04", "10.40.10.14", "catalog", "etcd"),
            d => { AddHost(d, "db04", "10.40.10.14", "catalog", "etcd"); AddHost(d, "db05", "10.40.10.15", "catalog", "etcd"); }),
        [FindingCodes.TooManyMembers] = Site(
            d => AddHost(d, "app03", "10.40.50.13", "analytics", "jupyterhub"),
            _ => { }), // 2 JupyterHub hosts: the maximum

        // 1xx: Kafka and Patroni.
        [FindingCodes.KafkaReplicationAboveBrokers] = Site(
            d => d.Replace(All, "kafka_replication_factor: 3", "kafka_replication_factor: 4"),
            _ => { }), // RF 3 on 3 brokers
        [FindingCodes.KafkaInsyncNotBelowReplication] = Site(
            d => d.Replace(All, "kafka_min_insync_replicas: 2", "kafka_min_insync_replicas: 3"),
            _ => { }), // min.insync 2 with RF 3
        [FindingCodes.KafkaSingleInsyncReplica] = Site(
            d => d.Replace(All, "kafka_min_insync_replicas: 2", "kafka_min_insync_replicas: 1"),
            _ => { }), // min.insync 2 with RF 3
        [FindingCodes.KafkaClusterIdMissing] = Site(
            d => d.RemoveBlock(All, d.Lines(All).Single(l => l.StartsWith("kafka_cluster_id:", StringComparison.Ordinal))),
            d => ReplaceSetting(d, All, "kafka_cluster_id", "hNOrKjOt40mXJob4OmoxSA")),
        [FindingCodes.PatroniNotSynchronous] = Site(
            d => d.Replace(All, "patroni_synchronous_mode: true", "patroni_synchronous_mode: false"),
            d => d.RemoveBlock(All, "patroni_synchronous_mode: true")), // absent means the synchronous default
        [FindingCodes.PatroniSyncCountTooHigh] = Site(
            d => d.Replace(All, "patroni_synchronous_node_count: 1", "patroni_synchronous_node_count: 3"),
            d => d.Replace(All, "patroni_synchronous_node_count: 1", "patroni_synchronous_node_count: 2")), // 3 members
        // Typed settings: every declared setting's own refuse/accept cases are in SettingDeclarationTests; one each here.
        [FindingCodes.SettingWrongType] = Site(
            d => d.Append(All, "patroni_ttl: twenty"),
            d => d.Append(All, "patroni_ttl: '20'")), // a quoted number is the number, as Jinja reads it
        [FindingCodes.SettingOutOfRange] = Site(
            d => d.Append(All, "patroni_ttl: 19"), // Patroni's floor (dynamic_configuration.rst)
            d => d.Append(All, "patroni_ttl: 20")),
        [FindingCodes.VersionNotRelease] = Site(
            d => d.Append(All, "datalyptica_versions:", "  postgresql: sixteen"),
            d => d.Append(All, "datalyptica_versions:", "  postgresql: '16'")),
        [FindingCodes.SiteSettingIgnored] = Site(
            d => d.WriteFile("group_vars/postgresql.yml", "patroni_ttl: 30\n"),
            d => d.WriteFile("group_vars/postgresql.yml", "postgresql_shared_buffers: 512MB\n")), // a host-scoped setting is read per group
        [FindingCodes.EtcdElectionTooShort] = Site(
            d => d.Append(All, "etcd_election_timeout: 4999"),
            d => d.Append(All, "etcd_election_timeout: 5000")), // exactly 5 x the 1000 ms heartbeat
        [FindingCodes.SettingUnsafeText] = Site(
            d => d.Append(All, "site_note: \"first line\\nslaveof 6.6.6.6 6379\""),
            d => d.Append(All, $"site_note: {new string('x', UnsafeTextRule.MaxLength)}")), // one line, exactly the limit
        [FindingCodes.SiteNameInvalid] = Site(
            d => d.Replace(All, "datalyptica_site_name: development", "datalyptica_site_name: \"p$(id>/tmp/pwn)\""),
            d => d.Replace(All, "datalyptica_site_name: development", "datalyptica_site_name: prod-eu_1.b")),
        [FindingCodes.ObjectStoreRegionInvalid] = Site(
            d => d.Replace(All, "region: us-east-1", "region: \"eu; touch /tmp/x\""),
            d => d.Replace(All, "region: us-east-1", "region: eu-central-2")),
        [FindingCodes.SshArgsUnusable] = Site(
            d => d.Append(All, "ansible_ssh_common_args: \"-o ProxyJump=ops@bastion1,ops@bastion2\""),
            d => d.Append(All, "ansible_ssh_common_args: \"-o StrictHostKeyChecking=yes -o ProxyJump=ops@bastion1:2222\"")),
        // Ansible's booleans are accepted in every spelling (an INI inventory gives "yes" as text); su is refused.
        [FindingCodes.ConnectionVarUnsupported] = Site(
            d => d.Append(All, "ansible_become: yes", "ansible_become_method: su"),
            d => d.Append(All, "ansible_become: \"Yes\"", "ansible_become_method: sudo", "ansible_become_user: root", "ansible_connection: ssh")),
        [FindingCodes.HostAddressUnusable] = Site(
            d => d.Replace("host_vars/lb01.yml", "ansible_host: 10.40.1.11", "ansible_host: 10.40.1.0"), // frontend-a is 10.40.1.100/24
            d => d.Replace("host_vars/lb01.yml", "ansible_host: 10.40.1.11", "ansible_host: 10.40.1.1")),
        // The seed's 16 without PGDG: Debian 12 ships only 15. The boundary: Debian's own 15, no PGDG claimed.
        [FindingCodes.PostgresMajorNotInOsRepository] = Site(
            d => d.RemoveBlock(All, "postgresql_pgdg: true"),
            d => d.RemoveBlock(All, "postgresql_pgdg: true").Replace(All, "postgresql: \"16.2\"", "postgresql: \"15\"")),
        [FindingCodes.PackagePinUnused] = Site(
            d => d.Append(All, "datalyptica_package_versions:", "  postgresql-client-61: '16.2-1.pgdg120+2'"),
            d => d.Append(All, "datalyptica_package_versions:", "  postgresql-client-16: '16.2-1.pgdg120+2'")),
        [FindingCodes.PatroniTimingExceedsTtl] = Site(
            d => d.Append(All, "patroni_ttl: 20", "patroni_loop_wait: 5", "patroni_retry_timeout: 8"), // 5 + 16 > 20
            d => d.Append(All, "patroni_ttl: 20", "patroni_loop_wait: 4", "patroni_retry_timeout: 8")), // 4 + 16 = 20
        [FindingCodes.DrPrimaryMissing] = Site(
            d => d.Replace(All, "datalyptica_site_role: primary", "datalyptica_site_role: standby"),
            d => d.Replace(All, "datalyptica_site_role: primary", "datalyptica_site_role: standby").Append(All, "dr_primary_address: 10.20.1.100")),
        [FindingCodes.DrPrimaryOnPrimarySite] = Site(
            d => d.Append(All, "dr_primary_address: 10.20.1.100"),
            d => d.Append(All, "dr_standby_networks: [10.140.0.0/16]")), // the primary side of the pair
        [FindingCodes.DrPrimaryRepositoryIncomplete] = Site(
            d => d.Replace(All, "datalyptica_site_role: primary", "datalyptica_site_role: standby").Append(All, "dr_primary_address: 10.20.1.100\ndr_primary_backups_bucket: datalyptica-backups"),
            d => d.Replace(All, "datalyptica_site_role: primary", "datalyptica_site_role: standby").Append(All, "dr_primary_address: 10.20.1.100\ndr_primary_backups_bucket: datalyptica-backups\ndr_primary_stanza: production")),
        [FindingCodes.AppDatabaseConflict] = Site(
            d => d.Append(All, "nessie_db_user: keycloak"), // Keycloak's role
            d => d.Append(All, "nessie_db_user: nessie_catalog")),

        // 2xx: ports.
        [FindingCodes.PortCollision] = Site(
            d => d.Replace("group_vars/processing.yml", "flink_rest_port: 8082", "flink_rest_port: 8081"), // the Spark worker UI
            d => d.Replace("group_vars/processing.yml", "flink_rest_port: 8082", "flink_rest_port: 8083")),
        [FindingCodes.VipMalformed] = Site(
            d => d.Replace(All, "- address: 10.40.1.100/24", "- address: 10.40.1.100/31"),
            d => d.Replace(All, "- address: 10.40.1.100/24", "- address: 10.40.1.101/30")),
        [FindingCodes.VipGroupEmpty] = Site(
            d => Edit(d, All, "    group: keepalived\n    name: frontend-a", "    group: nobody\n    name: frontend-a"),
            d => Edit(d, All, "    group: keepalived\n    name: frontend-a", "    group: spark_history\n    name: frontend-a")), // one host
        [FindingCodes.VipOutsideSubnet] = Site(
            d => d.Replace(All, "- address: 10.40.1.100/24", "- address: 10.40.2.100/24"),
            d => d.Replace(All, "- address: 10.40.1.100/24", "- address: 10.40.1.254/24")),
        [FindingCodes.VipIsHostAddress] = Site(
            d => d.Replace(All, "- address: 10.40.1.100/24", "- address: 10.40.1.11/24"),
            d => d.Replace(All, "- address: 10.40.1.100/24", "- address: 10.40.1.13/24")),
        [FindingCodes.VipNetworkOrBroadcast] = Site(
            d => d.Replace(All, "- address: 10.40.1.100/24", "- address: 10.40.1.255/24"),
            d => d.Replace(All, "- address: 10.40.1.100/24", "- address: 10.40.1.254/24")),
        [FindingCodes.VipRouterIdOutOfRange] = Site(
            d => d.Replace(All, "router_id: 52", "router_id: 256"),
            d => d.Replace(All, "router_id: 52", "router_id: 255")),
        [FindingCodes.VipRouterIdShared] = Site(
            d => d.Replace(All, "router_id: 52", "router_id: 51"),
            d => d.Replace(All, "router_id: 52", "router_id: 53")),
        [FindingCodes.VipDuplicate] = Site(
            d => d.Replace(All, "- address: 10.40.1.101/24", "- address: 10.40.1.100/24"),
            d => d.Replace(All, "- address: 10.40.1.101/24", "- address: 10.40.1.102/24")),
        [FindingCodes.KeepalivedWithoutVip] = Site(
            d => d.RemoveBlock(All, "datalyptica_vips:"),
            d => Edit(d, All, "  - address: 10.40.1.101/24\n    group: keepalived\n    name: frontend-b\n    router_id: 52\n", "")), // one VIP

        // 3xx: dependencies and the object store.
        [FindingCodes.DependencyMissing] = Site(
            d => d.RemoveBlock("hosts.yml", "    etcd:"), // Patroni needs etcd
            _ => { }),
        [FindingCodes.ZooKeeperOnlyKeeper] = Site(
            d => d.RemoveBlock("hosts.yml", "    zookeeper:"),
            _ => { }), // ZooKeeper beside ClickHouse Keeper
        [FindingCodes.JupyterHubDebianWithSso] = Site(
            d => d.Append(All, "jupyterhub_install: debian"), // the development site deploys Keycloak
            d => d.Append(All, "jupyterhub_install: artifact")),
        [FindingCodes.ObjectStoreMissing] = Site(
            d => d.RemoveBlock(All, "datalyptica_object_store:"),
            _ => { }),
        [FindingCodes.ObjectStoreEndpointNotUrl] = Site(
            d => d.Replace(All, "endpoint: \"https://s3.example.com\"", "endpoint: \"ftp://s3.example.com\""),
            d => d.Replace(All, "endpoint: \"https://s3.example.com\"", "endpoint: \"http://s3.example.com\"")), // a URL, if plain
        [FindingCodes.ObjectStorePlainHttp] = Site(
            d => d.Replace(All, "endpoint: \"https://s3.example.com\"", "endpoint: \"http://s3.example.com\""),
            _ => { }),
        [FindingCodes.ObjectStoreBucketMissing] = Site(
            d => d.RemoveBlock(All, "    logs: datalyptica-logs"),
            _ => { }),
        [FindingCodes.ObjectStoreNoArchiveBucket] = Site(
            d => d.RemoveBlock(All, "    archive: datalyptica-archive"),
            _ => { }),
        [FindingCodes.ObjectStoreBucketInvalid] = Site(
            d => d.Replace(All, "logs: datalyptica-logs", "logs: ab"),
            d => d.Replace(All, "logs: datalyptica-logs", "logs: abc")), // 3 characters: the shortest S3 name

        // 4xx: capacity (app01's needs are computed from its roles, so the boundary follows the catalog).
        [FindingCodes.HostSizeMissing] = Site(
            d => d.RemoveBlock("host_vars/app01.yml", "datalyptica_vcpu: 8"),
            d => d.Replace("host_vars/app01.yml", "datalyptica_vcpu: 8", "datalyptica_vcpu: 1")),
        [FindingCodes.HostRamTooLow] = Site(
            d => d.Replace("host_vars/app01.yml", "datalyptica_ram_gb: 32", $"datalyptica_ram_gb: {App01RamNeed.Value - 1}"),
            d => d.Replace("host_vars/app01.yml", "datalyptica_ram_gb: 32", $"datalyptica_ram_gb: {App01RamNeed.Value}")),
        [FindingCodes.HostVCpuTooLow] = Site(
            d => d.Replace("host_vars/app01.yml", "datalyptica_vcpu: 8", $"datalyptica_vcpu: {App01VCpuNeed.Value - 1}"),
            d => d.Replace("host_vars/app01.yml", "datalyptica_vcpu: 8", $"datalyptica_vcpu: {App01VCpuNeed.Value}")),
        [FindingCodes.HostDiskTooSmall] = Site(
            d => d.Replace("host_vars/app01.yml", "size_gb: 200", $"size_gb: {App01DiskNeed.Value - 1}"),
            d => d.Replace("host_vars/app01.yml", "size_gb: 200", $"size_gb: {App01DiskNeed.Value}")),
        [FindingCodes.LabSizesNotChecked] = Site(
            d => d.Replace(All, "datalyptica_environment: development", "datalyptica_environment: lab"),
            _ => { }),

        // 5xx: the inventory itself.
        [FindingCodes.InventoryUnreadable] = Site(
            d => d.Append("hosts.yml", "    broken: [unclosed"),
            d => d.Append("hosts.yml", "    broken_but_fine:")),
        [FindingCodes.EnvironmentUnknown] = Site(
            d => d.Replace(All, "datalyptica_environment: development", "datalyptica_environment: prod"),
            d => d.Replace(All, "datalyptica_environment: development", "datalyptica_environment: production")),
        [FindingCodes.DomainInvalid] = Site(
            d => d.Replace(All, "datalyptica_domain: development.datalyptica.example.com", "datalyptica_domain: x.i"),
            d => d.Replace(All, "datalyptica_domain: development.datalyptica.example.com", "datalyptica_domain: x.io")),
        [FindingCodes.SshOpenToEveryone] = Site(
            d => d.Replace(All, "datalyptica_environment: development", "datalyptica_environment: dr"),
            d => d.Replace(All, "datalyptica_environment: development", "datalyptica_environment: production\nnftables_ssh_sources: [192.0.2.10/32]")),
        // A stand-in for Kafka in the store (the lab's release-faithful stand-in): refused on a development site; the
        // boundary: the same store on a lab site.
        [FindingCodes.StandInOutsideLab] = Site(
            d => StandInKafka(d),
            d => StandInKafka(d).Replace(All, "datalyptica_environment: development", "datalyptica_environment: lab")),
        [FindingCodes.VersionForUnknownComponent] = Site(
            d => d.InsertAfter(All, "datalyptica_versions:", "  patroniexporter: 0.1.0"),
            d => d.Replace(All, "patroni: 3.3.2", "patroni: 3.3.3")),
        [FindingCodes.VersionEmpty] = Site(
            d => d.Replace(All, "patroni: 3.3.2", "patroni: \"\""),
            d => d.Replace(All, "patroni: 3.3.2", "patroni: \"3\"")),
        [FindingCodes.UnknownVariable] = Site(
            d => d.Append(All, "kafka_replicaton_factor: 3"),
            d => d.Append(All, "ansible_python_interpreter: /usr/bin/python3")), // Ansible's own variables pass
        [FindingCodes.GroupLooksMisspelt] = Site(
            d => d.InsertAfter("hosts.yml", "  children:", "    spark_workr:", "      hosts:", "        proc01:"),
            d => d.InsertAfter("hosts.yml", "  children:", "    data_team:", "      hosts:", "        proc01:")), // a custom group
        [FindingCodes.HostNameInvalid] = Site(
            d => AddHost(d, "proc_04", "10.40.30.14", "processing", "spark_worker"),
            d => AddHost(d, "proc-04", "10.40.30.14", "processing", "spark_worker")),
        [FindingCodes.HostNamesEqualIgnoringCase] = Site(
            d => AddHost(d, "PROC01", "10.40.30.14", "processing", "spark_worker"),
            d => AddHost(d, "proc011", "10.40.30.14", "processing", "spark_worker")),
        [FindingCodes.HostAddressShared] = Site(
            d => AddHost(d, "proc04", "10.40.30.11", "processing", "spark_worker"),
            d => AddHost(d, "proc04", "10.40.30.14", "processing", "spark_worker")),
        [FindingCodes.HostWithoutRole] = Site(
            d => AddHost(d, "proc04", "10.40.30.14", "processing"),
            d => AddHost(d, "proc04", "10.40.30.14", "processing", "spark_worker")),
        [FindingCodes.HostAddressInvalid] = Site(
            d => d.Replace("host_vars/proc01.yml", "ansible_host: 10.40.30.11", "ansible_host: 10.40.30"), // inet_aton would read 10.40.0.30
            d => d.Replace("host_vars/proc01.yml", "ansible_host: 10.40.30.11", "ansible_host: 10.40.30.14")) with { Also = [FindingCodes.TooFewMembers] }, // proc01 is dropped: its roles fall short
        [FindingCodes.HostWithoutTier] = Site(
            d => AddHost(d, "proc04", "10.40.30.14", "spark_worker"),
            d => AddHost(d, "proc04", "10.40.30.14", "processing", "spark_worker")),
        [FindingCodes.HostInSeveralTiers] = Site(
            d => AddHost(d, "proc04", "10.40.30.14", "processing", "query", "spark_worker"),
            d => AddHost(d, "proc04", "10.40.30.14", "processing", "spark_worker")),
        [FindingCodes.SiteRoleInvalid] = Site(
            d => d.Replace(All, "datalyptica_site_role: primary", "datalyptica_site_role: secondary"),
            d => d.Replace(All, "datalyptica_site_role: primary", "datalyptica_site_role: standby")),
        [FindingCodes.HostSizeNotANumber] = Site(
            d => d.Replace("host_vars/app01.yml", "datalyptica_vcpu: 8", "datalyptica_vcpu: 0"),
            d => d.Replace("host_vars/app01.yml", "datalyptica_vcpu: 8", "datalyptica_vcpu: 1")) with { Also = [FindingCodes.HostSizeMissing] }, // the host is left without a size
        [FindingCodes.HostDisksMalformed] = Site(
            d => d.Replace("host_vars/app01.yml", "size_gb: 200", "size_gb: 0"),
            d => d.Replace("host_vars/app01.yml", "size_gb: 200", "size_gb: 1")) with { Also = [FindingCodes.HostDiskTooSmall] }, // the disk is not counted
        [FindingCodes.VipsMalformed] = Site(
            d => d.Replace(All, "- address: 10.40.1.100/24", "- address: 10.40.1.100"),
            _ => { }),
        [FindingCodes.ObjectStoreNotAMapping] = Site(
            d => d.RemoveBlock(All, "datalyptica_object_store:").Append(All, "datalyptica_object_store: https://s3.example.com"),
            _ => { }) with { Also = [FindingCodes.ObjectStoreMissing] }, // the store is not read
        [FindingCodes.ObjectStoreCredentialInline] = Site(
            d => d.Replace(All, "access_key: \"{{ vault_s3_access_key }}\"", "access_key: AKIAEXAMPLE"),
            d => d.Replace(All, "access_key: \"{{ vault_s3_access_key }}\"", "access_key: \"{{vault_s3_access_key}}\"")),
        [FindingCodes.ObjectStoreCaNotPem] = Site(
            d => d.InsertAfter(All, "datalyptica_object_store:", "  ca_certificate: not-a-certificate"),
            d => d.InsertAfter(All, "datalyptica_object_store:", "  ca_certificate: |",
                "    -----BEGIN CERTIFICATE-----", "    MIIBszCCAVmgAwIBAgIUQ", "    -----END CERTIFICATE-----")),
        [FindingCodes.AddressLineInvalid] = new(
            () => IpListFile.Parse(["10.0.0.1", "10.0.0"], "ips.txt").Diagnostics,
            () => IpListFile.Parse(["10.0.0.1", "10.0.0.2   # a comment"], "ips.txt").Diagnostics),
        [FindingCodes.AddressListedTwice] = new(
            () => IpListFile.Parse(["10.0.0.1", "10.0.0.1"], "ips.txt").Diagnostics,
            () => IpListFile.Parse(["10.0.0.1", "10.0.0.2"], "ips.txt").Diagnostics),
        // The development profile has 15 hosts.
        [FindingCodes.TooFewAddresses] = new(
            () => Generate(14, "--vip", "10.0.0.100/24"),
            () => Generate(15, "--vip", "10.0.0.100/24", mustSucceed: true)),
        [FindingCodes.UnusedAddresses] = new(
            () => Generate(16, "--vip", "10.0.0.100/24", mustSucceed: true), // a warning: the site is written
            () => Generate(15, "--vip", "10.0.0.100/24", mustSucceed: true)),
        [FindingCodes.VipOptionMissing] = new(
            () => Generate(15),
            () => Generate(15, "--vip", "10.0.0.100/24", mustSucceed: true)),
        [FindingCodes.VipOptionMalformed] = new(
            () => Generate(15, "--vip", "10.0.0.100"),
            () => Generate(15, "--vip", "10.0.0.100/24", mustSucceed: true)),

        // 56x: the site folder is untrusted input (a file of the catalog tier's group_vars, which the loader reads).
        [FindingCodes.SiteFileTooLarge] = Site(
            d => d.WriteFile("group_vars/catalog.yml", Comment(SiteFileReader.MaxFileBytes + 1)),
            d => d.WriteFile("group_vars/catalog.yml", Comment(SiteFileReader.MaxFileBytes))), // exactly 4 MiB
        [FindingCodes.SiteLinkLeavesSite] = Site(
            d => Link(d, "group_vars/catalog.yml", OutsideFile.Path),
            d => Link(d, "group_vars/catalog.yml", d.WriteFile("shared/catalog.yml", "kafka_num_partitions: 6\n").Full("shared/catalog.yml"))), // a link inside the site
        [FindingCodes.SiteFileNotRegular] = Site(
            d => Tools.Run("mkfifo", d.Full("group_vars/catalog.yml")).ExitCode.ShouldBe(0),
            d => d.WriteFile("group_vars/catalog.yml", "")), // an empty regular file
        [FindingCodes.SiteFileNotUtf8] = Site(
            d => File.AppendAllText(d.Full(All), "# caf\u00e9\n", System.Text.Encoding.Latin1),
            d => File.AppendAllText(d.Full(All), "# caf\u00e9\n", System.Text.Encoding.UTF8)),
        [FindingCodes.YamlTooLarge] = Site(
            d => d.WriteFile("group_vars/catalog.yml", Aliases(padding: 995)), // 250,001 nodes once the aliases are repeated
            d => d.WriteFile("group_vars/catalog.yml", Aliases(padding: 994))), // 250,000
        [FindingCodes.TooManyHosts] = Site(
            d => d.InsertAfter("hosts.yml", "  children:", "    extra:", "      hosts:", "        extra[1:9986]:"), // 15 + 9,986 hosts
            d => d.InsertAfter("hosts.yml", "  children:", "    extra:", "      hosts:", "        extra[1:9985]:")), // 10,000 hosts: the limit
        [FindingCodes.HostRangeReversed] = Site(
            d => d.InsertAfter("hosts.yml", "  children:", "    extra:", "      hosts:", "        extra[05:01]:"),
            d => d.InsertAfter("hosts.yml", "  children:", "    extra:", "      hosts:", "        extra[01:01]:")), // begin = end: one host

        // 6xx: secrets.
        [FindingCodes.SecretMissing] = Site(
            d => d.RemoveBlock(All, "vault_redis_password: !vault |"),
            d => d.RemoveBlock(All, "vault_redis_password: !vault |").Append(All, "vault_redis_password: not-so-secret")), // defined, if plain
        [FindingCodes.SecretInPlainText] = Site(
            d => d.RemoveBlock(All, "vault_redis_password: !vault |").Append(All, "vault_redis_password: not-so-secret"),
            _ => { }),
        // One value among the others encrypted with another password is named by its own key and line.
        [FindingCodes.VaultPasswordWrong] = Site(
            d => d.Append(All, AnsibleVault.EncryptString("vault_extra", new Secret("x"), new Secret("another-password")).TrimEnd('\n').Split('\n')),
            d => d.Append(All, AnsibleVault.EncryptString("vault_extra", new Secret("x"), SiteDir.Password).TrimEnd('\n').Split('\n'))),
        // A platform secret's value with a line break (it would add a line to redis.conf); the boundary: every other
        // printable character, spaces and quotes included, is kept.
        [FindingCodes.SecretUnsafe] = Site(
            d => d.RemoveBlock(All, "vault_redis_password: !vault |")
                .Append(All, AnsibleVault.EncryptString("vault_redis_password", new Secret("pass\nslaveof 6.6.6.6 6379"), SiteDir.Password).TrimEnd('\n').Split('\n')),
            d => d.RemoveBlock(All, "vault_redis_password: !vault |")
                .Append(All, AnsibleVault.EncryptString("vault_redis_password", new Secret("p a\"s's~!@#$%^&*()"), SiteDir.Password).TrimEnd('\n').Split('\n'))),
        [FindingCodes.VaultPasswordUnavailable] = new(
            () => Open(d => new SiteOpenOptions(d.Path) { VaultPasswordFile = d.Full("missing.txt") }),
            () => Open(d => new SiteOpenOptions(d.Path) { VaultPasswordFile = d.WriteFile("pw.txt", SiteDir.Password.Reveal() + "\n").Full("pw.txt") })),
        [FindingCodes.SecretsNotChecked] = new(
            () => Open(d => new SiteOpenOptions(d.Path) { NeedsSecrets = false }), // what validate and render see
            () => Open(d => new SiteOpenOptions(d.Path) { NeedsSecrets = false, VaultPassword = SiteDir.Password })),
        [FindingCodes.VaultPasswordRequired] = new(
            () => Open(d => new SiteOpenOptions(d.Path)), // plan, apply, verify, backup, drill
            () => Open(d => new SiteOpenOptions(d.Path) { NeedsSecrets = false })), // render: placeholders only
        [FindingCodes.SitePasswordFileUnsafe] = new(
            () => Open(d => new SiteOpenOptions(d.Path) { NeedsSecrets = false }, SitePasswordMode(0b110_100_100)), // 0644
            () => Open(d => new SiteOpenOptions(d.Path) { NeedsSecrets = false }, SitePasswordMode(0b110_000_000))), // 0600

        // 9xx: notes; the "refuse" case is the one that produces the note.
        [FindingCodes.ZooKeeperForSparkFlink] = Site(
            _ => { },
            d => { foreach (var g in new[] { "spark_history", "spark_master", "spark_worker", "flink_jobmanager", "flink_taskmanager" }) d.RemoveBlock("hosts.yml", $"    {g}:"); }),
        [FindingCodes.SupersetRoutedByHostName] = Site(
            _ => { },
            d => d.RemoveBlock("hosts.yml", "    superset:")),
    };

    /// <summary>A case on the development site: each edit on a fresh copy, then load and validate as `validate` does.</summary>
    // What artifacts import leaves for a stand-in (the archive read, DATALYPTICA-STAND-IN found): the file and its marker.
    private static SiteDir StandInKafka(SiteDir d) => d
        .WriteFile("artifacts/kafka/3.9.0/kafka_2.13-3.9.0.tgz", "stand-in archive")
        .WriteFile($"artifacts/kafka/3.9.0/{Datalyptica.Engine.Artifacts.SiteArtifactStore.StandInMarker}", "stand-in\n");

    private static Case Site(Action<SiteDir> refuse, Action<SiteDir> accept, Secret? password = null) =>
        new(() => EditAndValidate(refuse, password, mustLoad: false), () => EditAndValidate(accept, null, mustLoad: true));

    /// <summary>An accept case must load (else the validator never ran and the code's absence proves nothing).</summary>
    private static IReadOnlyList<Diagnostic> EditAndValidate(Action<SiteDir> edit, Secret? password, bool mustLoad)
    {
        using var dir = SiteDir.Of();
        edit(dir);
        var loaded = SiteLoader.Load(dir.Path, () => password ?? SiteDir.Password);
        if (mustLoad) loaded.Site.ShouldNotBeNull(string.Join("\n", loaded.Diagnostics));
        return loaded.Site is null ? loaded.Diagnostics : SiteValidator.Validate(loaded.Site, loaded.Diagnostics);
    }

    /// <summary>A YAML comment of exactly <paramref name="bytes"/> bytes, newline included.</summary>
    private static string Comment(long bytes) => "#" + new string('x', (int)bytes - 2) + "\n";

    /// <summary>
    /// A list of 1,000 nodes repeated 248 times by aliases, then <paramref name="padding"/> plain items: 1 mapping + 3 keys
    /// + (1 + 999) + (1 + 248 × 1,000) + (1 + padding) nodes = 249,006 + padding.
    /// </summary>
    private static string Aliases(int padding) =>
        $"a: &a [{string.Join(',', Enumerable.Repeat("0", 999))}]\n" +
        $"b: [{string.Join(',', Enumerable.Repeat("*a", 248))}]\n" +
        $"c: [{string.Join(',', Enumerable.Repeat("0", padding))}]\n";

    /// <summary>A file outside every site, with content that must never be shown (as /etc/shadow's).</summary>
    private static class OutsideFile
    {
        public static readonly string Path = Make();

        private static string Make()
        {
            var file = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"dl-outside-{Guid.NewGuid():N}.yml");
            File.WriteAllText(file, "root_hash: $6$never-shown$\n");
            AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(file);
            return file;
        }
    }

    private static void Link(SiteDir dir, string relative, string target)
    {
        File.Delete(dir.Full(relative));
        File.CreateSymbolicLink(dir.Full(relative), target);
    }

    private static Action<SiteDir> SitePasswordMode(int mode) => d =>
    {
        var file = d.WriteFile(SiteLoader.SiteVaultPasswordFile, SiteDir.Password.Reveal() + "\n").Full(SiteLoader.SiteVaultPasswordFile);
        File.SetUnixFileMode(file, (UnixFileMode)mode);
    };

    /// <summary>A development site opened as a verb opens it (no password variables from this process), with its findings.</summary>
    private static IReadOnlyList<Diagnostic> Open(Func<SiteDir, SiteOpenOptions> options, Action<SiteDir>? edit = null)
    {
        using var dir = SiteDir.Of();
        edit?.Invoke(dir);
        return SiteSession.Open(options(dir) with { Environment = _ => null }).Findings;
    }

    /// <summary>Replaces the value of the one line that sets <paramref name="key"/> (for values the writer generates).</summary>
    private static void ReplaceSetting(SiteDir dir, string relative, string key, string value)
    {
        var lines = dir.Lines(relative);
        var i = lines.FindIndex(l => l.StartsWith(key + ":", StringComparison.Ordinal));
        i.ShouldBeGreaterThanOrEqualTo(0, $"{relative} does not set {key}");
        dir.Replace(relative, lines[i], $"{key}: {value}");
    }

    private static void AddHost(SiteDir dir, string host, string address, params string[] groups)
    {
        foreach (var group in groups) dir.AddHostToGroup(group, host);
        dir.AddHostVars(host, address);
    }

    private static void Edit(SiteDir dir, string relative, string from, string to)
    {
        var text = File.ReadAllText(dir.Full(relative));
        Regex.Matches(text, Regex.Escape(from)).Count.ShouldBe(1, $"{relative}: '{from}' must occur once");
        File.WriteAllText(dir.Full(relative), text.Replace(from, to));
    }

    [GeneratedRegex(@"^(error|warning|info) (DL[0-9]{3}) ", RegexOptions.Multiline)]
    private static partial Regex PrintedFinding();

    /// <summary>`inventory generate --profile development` with <paramref name="addresses"/> addresses in 10.0.0.0/24; the findings it printed.</summary>
    private static IReadOnlyList<Diagnostic> Generate(int addresses, string? option = null, string? value = null, bool mustSucceed = false)
    {
        string[] extra = option is null ? [] : [option, value!];
        using var fx = new SiteFixture();
        var ips = fx.Write("ips.txt", string.Join('\n', Enumerable.Range(11, addresses).Select(i => $"10.0.0.{i}")) + "\n");
        var result = CliRunner.Run(["inventory", "generate", "--profile", "development", "--ips", ips, "--out", fx.PathOf("site"), .. extra]);
        if (mustSucceed) result.ShouldSucceed();
        return PrintedFinding().Matches(result.All)
            .Select(m => new Diagnostic(m.Groups[2].Value, Enum.Parse<Severity>(m.Groups[1].Value, ignoreCase: true), result.All, ""))
            .ToList();
    }
}

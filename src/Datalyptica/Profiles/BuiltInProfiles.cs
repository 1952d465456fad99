using Datalyptica.Model;

namespace Datalyptica.Profiles;

/// <summary>
/// The seed's environments as profiles. Placement and sizing are explained in docs/TOPOLOGY.md;
/// bom compares every profile with the figures the seed states (<see cref="Profile.Reference"/>).
/// </summary>
public static class BuiltInProfiles
{
    private static readonly Dictionary<string, object> MoveGrafanaGossip = new() { ["grafana_alerting_ha_port"] = 9096 };

    public static readonly Profile Production = new(
        "production", "production", SiteRole.Primary,
        "the reference design's production topology: 9 tiers, every component on its own VMs",
        AddressBase: 20,
        Pools:
        [
            new("lb", Tier.LoadBalancer, 3, 4, 8, 50, ["haproxy", "keepalived"]),
            new("pg", Tier.Catalog, 4, 16, 64, 1500, ["postgresql"]) { DiskKind = "nvme" },
            new("nessie", Tier.Catalog, 2, 8, 32, 250, ["nessie"]),
            new("coord", Tier.Coordination, 3, 4, 16, 100, ["etcd", "zookeeper"]),
            new("kafka-ctl", Tier.Streaming, 3, 4, 16, 100, ["kafka_controller"]),
            new("kafka", Tier.Streaming, 6, 20, 80, 4000, ["kafka_broker"]) { DiskKind = "nvme", Scalable = true },
            new("schemareg", Tier.Streaming, 2, 8, 32, 500, ["schema_registry"]),
            new Pool("spark-master", Tier.Processing, 2, 4, 16, 100, ["spark_master"]).WithFirst("spark_history", 1),
            new("flink-jm", Tier.Processing, 2, 4, 16, 100, ["flink_jobmanager"]),
            new("spark", Tier.Processing, 5, 32, 128, 1000, ["spark_worker"]) { Scalable = true },
            new("flink", Tier.Processing, 3, 32, 128, 1000, ["flink_taskmanager"]) { Scalable = true },
            new("trino-coord", Tier.Query, 2, 16, 64, 250, ["trino_coordinator"]),
            new("trino", Tier.Query, 4, 32, 128, 600, ["trino_worker"]) { Scalable = true },
            new("clickhouse", Tier.Query, 3, 16, 64, 2000, ["clickhouse", "clickhouse_keeper"]) { DiskKind = "nvme" },
            new("airflow", Tier.Analytics, 3, 8, 32, 200, ["airflow_scheduler", "airflow_webserver"]),
            new("jupyter", Tier.Analytics, 2, 16, 64, 1000, ["jupyterhub"]),
            new("ml", Tier.Analytics, 2, 12, 48, 100, ["mlflow", "superset"]),
            new("prometheus", Tier.Monitoring, 2, 12, 48, 2000, ["prometheus"]),
            new("loki", Tier.Monitoring, 3, 8, 32, 2000, ["loki"]),
            new("grafana", Tier.Monitoring, 2, 6, 24, 50, ["grafana"]),
            new("alertmanager", Tier.Monitoring, 2, 4, 16, 100, ["alertmanager"]),
            new("keycloak", Tier.Iam, 2, 8, 32, 100, ["keycloak"]),
            new Pool("redis", Tier.Iam, 4, 6, 24, 100, ["redis"]).WithFirst("redis_sentinel", 3),
        ],
        ObjectStorageTb: 100)
    {
        Reference = new ReferenceFigures(50, 640, "2.5 TB", 63,
            "the reference design's README, Minimum Production Deployment: 50 VMs, 640 vCPUs, 2.5 TB RAM, 63 TB local SSD")
        {
            TierVms = new Dictionary<Tier, int>
            {
                [Tier.LoadBalancer] = 3, [Tier.Catalog] = 6, [Tier.Coordination] = 3, [Tier.Streaming] = 11, [Tier.Processing] = 12,
                [Tier.Query] = 9, [Tier.Analytics] = 7, [Tier.Monitoring] = 9, [Tier.Iam] = 6,
            },
            Discrepancy = "the reference design's headline says 50 VMs, but its own tier table (3+6+3+11+12+9+7+9+6) sums to 66; " +
                          "this profile places the tier table's 66 VMs. Their vCPU, RAM and disk per tier are this project's own sizing " +
                          "(the reference design states only the totals), so those totals differ from its headline too",
        },
    };

    public static readonly Profile Dr = Production with
    {
        Name = "dr",
        Environment = "dr",
        Role = SiteRole.Standby,
        Description = "the production topology as the standby (disaster recovery) site",
        AddressBase = 120,
        // Streams PostgreSQL from the production profile's first VIP (falling back to its pgBackRest stanza) and mirrors Kafka from its first three brokers (after
        // its 3 controllers on the streaming tier); the operator names the real ones. The primary site admits the standby
        // with dr_standby_networks: [10.120.0.0/16] (docs/RUNBOOK.md, "Disaster recovery").
        SiteVars = new Dictionary<string, object>
        {
            [Components.Patroni.PatroniStandbySite.PrimaryAddress.Key] =
                $"10.{Production.AddressBase}.{ProfileExpander.TierOctet(Tier.LoadBalancer)}.100",
            [Components.Kafka.KafkaMirrorMaker.PrimaryBootstrap.Key] = Enumerable.Range(14, 3)
                .Select(n => $"10.{Production.AddressBase}.{ProfileExpander.TierOctet(Tier.Streaming)}.{n}:{Components.Kafka.KafkaComponent.BrokerPort.Number}").ToList(),
            // Both profiles name one object store (the dr profile's buckets are datalyptica-dr-*): when streaming stops,
            // the standby replays production's archived WAL from production's stanza in production's backups bucket.
            [Components.Patroni.PatroniStandbySite.PrimaryBackupsBucket.Key] = ProfileExpander.Bucket(Production.Role, "backups"),
            [Components.Patroni.PatroniStandbySite.PrimaryStanza.Key] = Production.Name,
        },
    };

    public static readonly Profile Staging = new(
        "staging", "staging", SiteRole.Primary,
        "30 VMs: HA everywhere, small components co-located where their ports allow",
        AddressBase: 30,
        Pools:
        [
            new("lb", Tier.LoadBalancer, 2, 4, 8, 100, ["haproxy", "keepalived"]),
            new("pg", Tier.Catalog, 3, 16, 64, 1500, ["postgresql"]) { DiskKind = "nvme" },
            new("coord", Tier.Coordination, 3, 4, 16, 100, ["etcd", "zookeeper", "kafka_controller"]),
            new Pool("kafka", Tier.Streaming, 3, 16, 64, 4000, ["kafka_broker"]).WithFirst("schema_registry", 2) with { Scalable = true },
            new Pool("master", Tier.Processing, 2, 4, 16, 100, ["spark_master", "flink_jobmanager"]).WithFirst("spark_history", 1),
            new("worker", Tier.Processing, 3, 20, 80, 1000, ["spark_worker", "flink_taskmanager"]) { Scalable = true },
            new("trino-coord", Tier.Query, 2, 12, 48, 200, ["trino_coordinator"]),
            new("trino", Tier.Query, 1, 24, 96, 500, ["trino_worker"]) { Scalable = true },
            new("clickhouse", Tier.Query, 3, 8, 32, 2000, ["clickhouse", "clickhouse_keeper"]) { DiskKind = "nvme" },
            new("app", Tier.Analytics, 2, 8, 32, 250, ["airflow_scheduler", "airflow_webserver", "jupyterhub", "mlflow", "superset", "nessie"]),
            new Pool("mon", Tier.Monitoring, 3, 8, 32, 700, ["loki"]).WithFirst("prometheus", 2).WithFirst("alertmanager", 2).WithFirst("grafana", 2),
            new Pool("iam", Tier.Iam, 3, 8, 32, 100, ["redis", "redis_sentinel"]).WithFirst("keycloak", 2),
        ],
        ObjectStorageTb: 30)
    {
        GroupVars = new Dictionary<string, IReadOnlyDictionary<string, object>> { ["monitoring"] = MoveGrafanaGossip },
        Reference = new ReferenceFigures(30, 320, "1.2 TB", 30, "the reference design's README, Per-Environment Scaling (Staging: 30 VMs, 320 vCPUs, 1.2 TB RAM, 30 TB)"),
    };

    public static readonly Profile Development = new(
        "development", "development", SiteRole.Primary,
        "15 equal VMs (8 vCPU, 32 GB): every quorum kept, components co-located, ports moved where they would collide",
        AddressBase: 40,
        Pools:
        [
            new("lb", Tier.LoadBalancer, 2, 8, 32, 300, ["haproxy", "keepalived", "prometheus", "alertmanager", "grafana"]),
            new("db", Tier.Catalog, 3, 8, 32, 1000, ["postgresql", "etcd", "zookeeper", "clickhouse_keeper", "keycloak"]),
            new Pool("stream", Tier.Streaming, 3, 8, 32, 1400, ["kafka_controller", "kafka_broker", "redis", "redis_sentinel", "loki"]).WithFirst("schema_registry", 2),
            new Pool("proc", Tier.Processing, 3, 8, 32, 300, ["spark_worker", "flink_taskmanager"])
                .WithFirst("spark_master", 2).WithFirst("flink_jobmanager", 2).WithFirst("spark_history", 1) with { Scalable = true },
            new("query", Tier.Query, 2, 8, 32, 450, ["trino_coordinator", "clickhouse"]),
            new("app", Tier.Analytics, 2, 8, 32, 200, ["airflow_scheduler", "airflow_webserver", "jupyterhub", "mlflow", "superset", "nessie"]),
        ],
        ObjectStorageTb: 10)
    {
        GroupVars = new Dictionary<string, IReadOnlyDictionary<string, object>>
        {
            // Spark's worker UI owns 8081 on these hosts; Flink's REST port moves.
            ["processing"] = new Dictionary<string, object> { ["flink_rest_port"] = 8082 },
            // Alertmanager's cluster port owns 9094; Grafana's alerting gossip moves.
            ["loadbalancer"] = MoveGrafanaGossip,
        },
        Reference = new ReferenceFigures(15, 120, "480 GB", 10, "the reference design's README, Per-Environment Scaling (Development: 15 VMs, 120 vCPUs, 480 GB RAM, 10 TB)"),
    };

    /// <summary>
    /// The HA core that installs from Debian's packages, on 3 hosts of one machine (`lab up`): every quorum kept (etcd 3,
    /// ZooKeeper 3, Sentinel 3, Patroni with a synchronous standby, two load balancers sharing VIPs, Alertmanager 2).
    /// The sizes are what each lab host may use of a 2-core, 24 GiB machine, not what it has.
    /// </summary>
    public static readonly Profile Lab = new(
        "lab", "lab", SiteRole.Primary,
        "3 hosts on one machine (datalyptica lab): the HA core that installs from Debian's packages, every quorum kept",
        AddressBase: 77,
        Pools:
        [
            new Pool("lab", Tier.Catalog, 3, 2, 6, 40,
                ["postgresql", "etcd", "zookeeper", "haproxy", "keepalived", "redis", "redis_sentinel"])
                .WithFirst("prometheus", 2).WithFirst("alertmanager", 2),
        ],
        ObjectStorageTb: 1);

    /// <summary>
    /// The lab with JupyterHub from Debian's package, active/passive on lab01 and lab02 (`lab up --jupyterhub`): JupyterHub
    /// 3.0 (the artifact's 5.2 has no source here), PAM login as a local account apply creates with its vault password
    /// (JupyterHubSettings), its database and role made by apply in the Patroni cluster. Not in <see cref="All"/>: a
    /// variant of the lab, not a profile a site starts from.
    /// </summary>
    public static readonly Profile LabWithJupyterHub = Lab with
    {
        Description = "3 hosts on one machine (datalyptica lab): the HA core and JupyterHub from Debian's packages, every quorum kept",
        Pools = [Lab.Pools[0].WithFirst("jupyterhub", 2)],
        SiteVars = new Dictionary<string, object>
        {
            [Components.JupyterHub.JupyterHubSettings.Install.Key] = Components.JupyterHub.JupyterHubSettings.Debian,
            [Components.JupyterHub.JupyterHubSettings.LocalUser.Key] = "analyst",
        },
    };

    /// <summary>
    /// The lab with etcd on 3 hosts of its own (`lab up --etcd-apart --hosts 6`), as production places it on the
    /// coordination tier. A crash of Patroni's leader host then never takes etcd's Raft leader with it, so the leader-away
    /// loop that the shared layout needs is not rendered, and patroni-crash is measured as production would see it
    /// (docs/DRILLS.md). Not in <see cref="All"/>.
    /// </summary>
    public static readonly Profile LabWithEtcdApart = Lab with
    {
        Description = "6 hosts on one machine (datalyptica lab): the HA core from Debian's packages, etcd on 3 hosts of its own",
        Pools =
        [
            new Pool("lab", Tier.Catalog, 3, 2, 6, 40, ["postgresql", "zookeeper", "haproxy", "keepalived", "redis", "redis_sentinel"])
                .WithFirst("prometheus", 2).WithFirst("alertmanager", 2),
            new Pool("lab-etcd", Tier.Coordination, 3, 1, 2, 20, ["etcd"]),
        ],
    };

    /// <summary>Every member of a 3-member quorum or a worker group on each of the stand-in lab's 3 hosts.</summary>
    // Declared before the profile that uses it: static fields initialise in textual order.
    private static readonly string[] StandInLabQuorumGroups =
        ["postgresql", "etcd", "zookeeper", "haproxy", "keepalived", "redis", "redis_sentinel",
         "kafka_controller", "kafka_broker", "clickhouse", "clickhouse_keeper", "spark_worker", "flink_taskmanager", "loki"];

    /// <summary>The stand-in lab's port moves (see <see cref="LabWithStandIns"/>).</summary>
    private static readonly Dictionary<string, object> StandInLabPorts = new()
    {
        ["trino_http_port"] = 8180,
        ["keycloak_http_port"] = 8280,
        ["keycloak_management_port"] = 9280,
        ["spark_master_ui_port"] = 8380,
        ["airflow_webserver_port"] = 8480,
        ["schema_registry_port"] = 8581,
        ["jupyterhub_hub_port"] = 8681,
        ["flink_rest_port"] = 8781,
        ["mlflow_port"] = 5100,
        ["nessie_port"] = 19121,
        ["nessie_management_port"] = 9380,
        ["kafka_controller_port"] = 9193,
        ["grafana_alerting_ha_port"] = 9096,
    };

    /// <summary>
    /// The lab with every component of the platform (`lab up --stand-ins`): the HA core from Debian's packages as in
    /// <see cref="Lab"/>, and every component that installs from a release artifact placed too, to be installed from
    /// release-faithful stand-in archives (a test builds them; docs/STAND-INS.md), so apply, the first-start steps, the
    /// application databases and verify run end to end. lab01-02 carry the active/passive and first-N roles, lab03 the
    /// third member of each quorum and Trino's worker (its HTTP port is the coordinator's). Not in <see cref="All"/>.
    /// </summary>
    public static readonly Profile LabWithStandIns = Lab with
    {
        Description = "3 hosts on one machine (datalyptica lab): the HA core from Debian's packages and every other component from stand-in artifacts",
        Pools =
        [
            new Pool("lab", Tier.Catalog, 2, 2, 6, 40,
                [.. StandInLabQuorumGroups, "trino_coordinator", "schema_registry", "spark_master", "spark_history", "flink_jobmanager",
                 "airflow_scheduler", "airflow_webserver", "jupyterhub", "mlflow", "superset", "nessie", "grafana", "keycloak"])
                .WithFirst("prometheus", 2).WithFirst("alertmanager", 2),
            new Pool("lab-query", Tier.Query, 1, 2, 6, 40, [.. StandInLabQuorumGroups, "trino_worker"]),
        ],
        // Everything shares 3 hosts, and HAProxy's front doors (8080 Trino, 19120 Nessie, 5000-5003 PostgreSQL) sit on
        // each of them: every port that would collide (DL201) moves to a free one, on all three hosts (both tiers' groups).
        GroupVars = new Dictionary<string, IReadOnlyDictionary<string, object>> { ["catalog"] = StandInLabPorts, ["query"] = StandInLabPorts },
    };

    public static readonly IReadOnlyList<Profile> All = [Development, Staging, Production, Dr, Lab];

    /// <summary>Accepts the full names and the short forms the design uses (dev, prod).</summary>
    public static Profile? Find(string name) => name.ToLowerInvariant() switch
    {
        "dev" => Development,
        "prod" => Production,
        var n => All.FirstOrDefault(p => p.Name == n),
    };

    public static IEnumerable<string> Names => All.Select(p => p.Name);
}

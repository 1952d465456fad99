using Datalyptica.Components.Airflow;
using Datalyptica.Components.Alertmanager;
using Datalyptica.Components.ClickHouse;
using Datalyptica.Components.Etcd;
using Datalyptica.Components.Flink;
using Datalyptica.Components.Grafana;
using Datalyptica.Components.HAProxy;
using Datalyptica.Components.JupyterHub;
using Datalyptica.Components.Kafka;
using Datalyptica.Components.Keepalived;
using Datalyptica.Components.Keycloak;
using Datalyptica.Components.Loki;
using Datalyptica.Components.MLflow;
using Datalyptica.Components.Nessie;
using Datalyptica.Components.Patroni;
using Datalyptica.Components.PostgreSQL;
using Datalyptica.Components.Prometheus;
using Datalyptica.Components.Redis;
using Datalyptica.Components.SchemaRegistry;
using Datalyptica.Components.Spark;
using Datalyptica.Components.Superset;
using Datalyptica.Components.Trino;
using Datalyptica.Components.ZooKeeper;

namespace Datalyptica.Components.OsBaseLayer;

/// <summary>Networks (CIDRs from inventory variables) allowed to reach a port, besides the calling roles.</summary>
public enum Networks
{
    None,
    /// <summary><c>datalyptica_client_networks</c>: where users and applications connect from.</summary>
    Client,
    /// <summary><c>datalyptica_admin_networks</c> (defaults to the client networks): operator UIs.</summary>
    Admin,
}

/// <summary>
/// One reviewed line of the firewall policy: a port a role serves, and the roles that call it. The server's
/// role is listed among the callers when members talk to each other (peers). <see cref="Offset"/> derives a
/// port from another (JGroups failure detection); <see cref="Range"/> is a fixed port range.
/// </summary>
public sealed record Access(string Id, RoleDefinition Server, PortSpec? Port, IReadOnlyList<RoleDefinition> Callers, string Why)
{
    public Networks Networks { get; init; } = Networks.None;
    /// <summary>Every host of the site calls this port (log shippers pushing to Loki).</summary>
    public bool AllHosts { get; init; }
    public int Offset { get; init; }
    public string? Range { get; init; }
    public PortProtocol Protocol => Port?.Protocol ?? PortProtocol.Tcp;

    /// <summary>The port text nftables matches on a host that serves this (its own, possibly moved, port).</summary>
    public string PortOn(Model.Host host) => Range ?? (host.Port(Port!) + Offset).ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// Who may call what: the table the per-host nftables rules are built from. Review it like code: every
/// served port is listed, and every caller is a role that really opens connections to it. A role that
/// the site does not deploy simply contributes no addresses.
/// </summary>
public static class FirewallPolicy
{
    private static RoleDefinition[] R(params RoleDefinition[] roles) => roles;

    private static readonly RoleDefinition Prom = PrometheusComponent.Server;
    private static readonly RoleDefinition Lb = HAProxyComponent.Node;

    // Roles that run Spark/Flink drivers, Trino and Kafka clients for users (notebooks, DAGs).
    private static readonly RoleDefinition[] Notebooks = [JupyterHubComponent.Server, AirflowComponent.Scheduler];
    private static readonly RoleDefinition[] Engines =
    [
        SparkComponent.Master, SparkComponent.Worker, SparkComponent.History, FlinkComponent.JobManager, FlinkComponent.TaskManager,
        TrinoComponent.Coordinator, TrinoComponent.Worker,
    ];
    // Applications that log users in with OIDC against Keycloak (back channel: token and JWKS endpoints).
    private static readonly RoleDefinition[] OidcClients =
    [
        GrafanaComponent.Server, AirflowComponent.Web, JupyterHubComponent.Server, SupersetComponent.Server,
        MLflowComponent.Server, TrinoComponent.Coordinator, NessieComponent.Server,
    ];

    public static readonly IReadOnlyList<Access> Table =
    [
        // Load balancers. PostgreSQL and HTTPS are the platform's front door: the site's client networks,
        // plus every platform role that uses them (listed so the policy holds even with narrow client networks).
        .. new[] { HAProxyComponent.PostgresPrimary, HAProxyComponent.PostgresReplicas, HAProxyComponent.PostgresSync, HAProxyComponent.PostgresAsync }
            .Select(p => new Access("haproxy_" + p.Name.Replace('-', '_'), Lb, p,
                R(NessieComponent.Server, AirflowComponent.Scheduler, AirflowComponent.Web, GrafanaComponent.Server, KeycloakComponent.Server,
                  MLflowComponent.Server, SupersetComponent.Server, TrinoComponent.Coordinator, TrinoComponent.Worker, JupyterHubComponent.Server),
                "PostgreSQL through HAProxy (primary / replicas / sync / async): apps and the site's clients") { Networks = Networks.Client }),
        new("haproxy_https", Lb, HAProxyComponent.Https, [.. OidcClients, .. Notebooks, .. Engines],
            "HTTPS front door: users, and apps reaching Keycloak/Nessie/MLflow through the VIP") { Networks = Networks.Client },
        new("haproxy_http", Lb, HAProxyComponent.Http, [.. OidcClients, .. Notebooks], "HTTP, only redirected to HTTPS") { Networks = Networks.Client },
        new("haproxy_nessie", Lb, NessieComponent.FrontDoor, [.. Engines, .. Notebooks], "Nessie API on the VIP for engines and notebooks"),
        new("haproxy_trino", Lb, TrinoComponent.FrontDoor, [TrinoComponent.Coordinator, TrinoComponent.Worker, .. Notebooks, SupersetComponent.Server],
            "Trino on the VIP: worker discovery and clients (notebooks, DAGs, Superset)") { Networks = Networks.Client },
        new("haproxy_stats", Lb, HAProxyComponent.Stats, R(Prom, GrafanaComponent.Server), "HAProxy stats page: monitoring and operators") { Networks = Networks.Admin },
        new("haproxy_exporter", Lb, HAProxyComponent.Exporter, R(Prom), "HAProxy's built-in Prometheus exporter"),

        // Catalog: PostgreSQL only through HAProxy; Patroni REST for HAProxy health checks and member-to-member checks.
        new("postgresql", PostgreSQLComponent.Member, PostgreSQLComponent.Server, R(Lb, PostgreSQLComponent.Member),
            "clients come through HAProxy; peers stream WAL and run pg_rewind/pg_basebackup"),
        new("postgres_exporter", PostgreSQLComponent.Member, PostgreSQLComponent.Exporter, R(Prom), "postgres_exporter scrape"),
        new("pgbackrest_tls", PostgreSQLComponent.Member, PostgreSQLComponent.PgBackRestTls, R(PostgreSQLComponent.Member),
            "pgBackRest's TLS server: the member running a backup or stanza-create reaches the others (the lab timed out without it)"),
        new("patroni_rest", PatroniComponent.Member, PatroniComponent.RestApi, R(Lb, PatroniComponent.Member, Prom),
            "HAProxy httpchk (/primary, /replica), Patroni members check each other before failover, /metrics"),
        new("nessie_api", NessieComponent.Server, NessieComponent.Api, R([Lb, .. Engines, .. Notebooks]), "Iceberg REST/Nessie API for engines and notebooks; /nessie via HAProxy"),
        new("nessie_management", NessieComponent.Server, NessieComponent.Management, R(Lb, Prom), "Quarkus health (HAProxy check) and metrics"),

        // Coordination.
        new("etcd_client", EtcdComponent.Member, EtcdComponent.Client, R(PatroniComponent.Member, EtcdComponent.Member),
            "Patroni's DCS; members"),
        new("etcd_metrics", EtcdComponent.Member, EtcdComponent.Metrics, R(Prom), "plain-HTTP /metrics and /health for Prometheus"),
        new("etcd_peer", EtcdComponent.Member, EtcdComponent.Peer, R(EtcdComponent.Member), "Raft between members only"),
        new("zookeeper_client", ZooKeeperComponent.Member, ZooKeeperComponent.Client,
            R(SparkComponent.Master, FlinkComponent.JobManager, FlinkComponent.TaskManager, ZooKeeperComponent.Member),
            "Spark master and Flink HA leader election/retrieval (TaskManagers find the leader through ZooKeeper)"),
        new("zookeeper_quorum", ZooKeeperComponent.Member, ZooKeeperComponent.Quorum, R(ZooKeeperComponent.Member), "ZAB followers to leader"),
        new("zookeeper_election", ZooKeeperComponent.Member, ZooKeeperComponent.Election, R(ZooKeeperComponent.Member), "leader election"),

        // Streaming.
        new("kafka_controller", KafkaComponent.Controller, KafkaComponent.ControllerPort, R(KafkaComponent.Controller, KafkaComponent.Broker),
            "KRaft quorum; brokers fetch metadata from the controllers"),
        new("kafka_broker", KafkaComponent.Broker, KafkaComponent.BrokerPort,
            R([KafkaComponent.Broker, SchemaRegistryComponent.Server, .. Engines, ClickHouseComponent.Server, .. Notebooks]),
            "replication between brokers; producers/consumers: Schema Registry, Spark, Flink, Trino, ClickHouse Kafka engine, notebooks, DAGs"),
        new("schema_registry", SchemaRegistryComponent.Server, SchemaRegistryComponent.Http,
            R([SchemaRegistryComponent.Server, Lb, .. Engines, ClickHouseComponent.Server, .. Notebooks]),
            "peers forward writes to the primary; serializers in engines and notebooks; /schema-registry via HAProxy"),

        // Processing.
        new("spark_master", SparkComponent.Master, SparkComponent.MasterPort, R([SparkComponent.Master, SparkComponent.Worker, .. Notebooks]),
            "workers register; drivers (notebooks, DAGs) submit applications"),
        new("spark_master_ui", SparkComponent.Master, SparkComponent.MasterUi, R(SparkComponent.Master, Prom), "UI for operators, /metrics/prometheus") { Networks = Networks.Admin },
        new("spark_worker", SparkComponent.Worker, SparkComponent.WorkerPort, R(SparkComponent.Master, SparkComponent.Worker), "the master launches executors"),
        new("spark_worker_ui", SparkComponent.Worker, SparkComponent.WorkerUi, R(SparkComponent.Master, Prom), "worker UI, linked from the master UI") { Networks = Networks.Admin },
        new("spark_history", SparkComponent.History, SparkComponent.HistoryUi, R(Prom), "history server UI") { Networks = Networks.Admin },
        // Spark executors and drivers talk on ports Spark picks at random (spark.driver.port, spark.blockManager.port
        // default 0) from the kernel's ephemeral range (net.ipv4.ip_local_port_range, set by the sysctl file).
        .. new[] { SparkComponent.Worker, JupyterHubComponent.Server, AirflowComponent.Scheduler }.Select(server =>
            new Access("spark_ephemeral_" + server.Group, server, null, R([SparkComponent.Master, SparkComponent.Worker, .. Notebooks]),
                "Spark driver/executor/block-manager ports (random unless the Spark config pins them)") { Range = EphemeralRange }),
        new("flink_rest", FlinkComponent.JobManager, FlinkComponent.Rest, R([FlinkComponent.JobManager, FlinkComponent.TaskManager, .. Notebooks, Prom]),
            "job submission (CLI/DAGs), UI for operators") { Networks = Networks.Admin },
        new("flink_rpc", FlinkComponent.JobManager, FlinkComponent.Rpc, R(FlinkComponent.JobManager, FlinkComponent.TaskManager), "Pekko RPC from TaskManagers"),
        new("flink_blob", FlinkComponent.JobManager, FlinkComponent.Blob, R(FlinkComponent.JobManager, FlinkComponent.TaskManager), "job jars and artifacts"),
        new("flink_tm_rpc", FlinkComponent.TaskManager, FlinkComponent.TaskManagerRpc, R(FlinkComponent.JobManager, FlinkComponent.TaskManager), "JobManager deploys tasks"),
        new("flink_tm_data", FlinkComponent.TaskManager, FlinkComponent.TaskManagerData, R(FlinkComponent.TaskManager), "shuffle between TaskManagers"),

        // Query.
        new("trino_coordinator", TrinoComponent.Coordinator, TrinoComponent.Http,
            R([TrinoComponent.Coordinator, TrinoComponent.Worker, Lb, SupersetComponent.Server, .. Notebooks, Prom]),
            "workers announce and report; clients through HAProxy; Superset, notebooks, DAGs; /metrics"),
        new("trino_worker", TrinoComponent.Worker, TrinoComponent.Http, R(TrinoComponent.Coordinator, TrinoComponent.Worker, Prom),
            "the coordinator schedules tasks; workers exchange data"),
        new("clickhouse_http", ClickHouseComponent.Server, ClickHouseComponent.Http,
            R([ClickHouseComponent.Server, TrinoComponent.Coordinator, TrinoComponent.Worker, SupersetComponent.Server, GrafanaComponent.Server, .. Notebooks, Prom]),
            "HTTP interface: Trino connector, Superset, Grafana, notebooks"),
        new("clickhouse_native", ClickHouseComponent.Server, ClickHouseComponent.Native, R([ClickHouseComponent.Server, .. Notebooks]),
            "Distributed tables query other replicas over the native protocol"),
        new("clickhouse_interserver", ClickHouseComponent.Server, ClickHouseComponent.Interserver, R(ClickHouseComponent.Server), "replicas fetch parts"),
        new("clickhouse_keeper_client", ClickHouseComponent.Keeper, ClickHouseComponent.KeeperClient, R(ClickHouseComponent.Server, ClickHouseComponent.Keeper),
            "ReplicatedMergeTree coordination"),
        new("clickhouse_keeper_raft", ClickHouseComponent.Keeper, ClickHouseComponent.KeeperRaft, R(ClickHouseComponent.Keeper), "Keeper Raft"),

        // Analytics.
        new("airflow_webserver", AirflowComponent.Web, AirflowComponent.Webserver, R(Lb), "UI and REST API through HAProxy (/airflow)"),
        new("airflow_scheduler_health", AirflowComponent.Scheduler, AirflowComponent.SchedulerHealth, R(Prom), "scheduler health check server"),
        new("jupyterhub_proxy", JupyterHubComponent.Server, JupyterHubComponent.Proxy, R(Lb), "users through HAProxy (/jupyter)"),
        new("jupyterhub_hub", JupyterHubComponent.Server, JupyterHubComponent.Hub, R(JupyterHubComponent.Server, Prom), "hub API (peer takes over), /hub/metrics"),
        new("mlflow", MLflowComponent.Server, MLflowComponent.Http, R([Lb, .. Notebooks, SparkComponent.Worker, Prom]),
            "UI through HAProxy; tracking clients in notebooks, DAGs and Spark executors"),
        new("superset", SupersetComponent.Server, SupersetComponent.Http, R(Lb), "through HAProxy (superset.<domain>)"),

        // Monitoring.
        new("prometheus", PrometheusComponent.Server, PrometheusComponent.Http, R(Prom, GrafanaComponent.Server, Lb),
            "federation between the pair, Grafana datasource, /prometheus via HAProxy"),
        new("alertmanager", AlertmanagerComponent.Server, AlertmanagerComponent.Http, R(Prom, GrafanaComponent.Server, AlertmanagerComponent.Server),
            "Prometheus sends alerts to every Alertmanager directly (never through a load balancer); Grafana"),
        new("alertmanager_cluster", AlertmanagerComponent.Server, AlertmanagerComponent.Cluster, R(AlertmanagerComponent.Server), "gossip (TCP and UDP)"),
        new("grafana", GrafanaComponent.Server, GrafanaComponent.Http, R(Lb, Prom), "through HAProxy (/grafana); /metrics"),
        new("grafana_alerting_ha", GrafanaComponent.Server, GrafanaComponent.AlertingHa, R(GrafanaComponent.Server), "alerting HA gossip (TCP and UDP)"),
        new("loki_http", LokiComponent.Server, LokiComponent.Http, R(LokiComponent.Server, GrafanaComponent.Server, Prom),
            "every host's log shipper pushes here; Grafana queries; /metrics") { AllHosts = true },
        new("loki_grpc", LokiComponent.Server, LokiComponent.Grpc, R(LokiComponent.Server), "distributor/querier to ingester"),
        new("loki_memberlist", LokiComponent.Server, LokiComponent.Memberlist, R(LokiComponent.Server), "ring gossip (TCP and UDP)"),

        // IAM.
        new("keycloak_http", KeycloakComponent.Server, KeycloakComponent.Http, R([Lb, .. OidcClients]),
            "users through HAProxy (/auth); OIDC back channel (token, JWKS) from the apps"),
        new("keycloak_management", KeycloakComponent.Server, KeycloakComponent.Management, R(Lb, Prom), "health (HAProxy check) and metrics"),
        new("keycloak_jgroups", KeycloakComponent.Server, KeycloakComponent.JGroups, R(KeycloakComponent.Server), "Infinispan cluster transport"),
        // JGroups FD_SOCK2 listens on the transport port + 50000 (port_offset default, JGroups 5 docs).
        new("keycloak_fd_sock", KeycloakComponent.Server, KeycloakComponent.JGroups, R(KeycloakComponent.Server), "JGroups failure detection (FD_SOCK2)") { Offset = 50000 },
        new("redis", RedisComponent.Data, RedisComponent.Server,
            R(RedisComponent.Data, RedisComponent.Sentinel, KeycloakComponent.Server, SupersetComponent.Server, AirflowComponent.Scheduler, AirflowComponent.Web),
            "replication, Sentinel monitoring, and the apps that cache in Redis"),
        new("redis_exporter", RedisComponent.Data, RedisComponent.Exporter, R(Prom), "redis_exporter scrape"),
        new("redis_sentinel", RedisComponent.Sentinel, RedisComponent.SentinelPort,
            R(RedisComponent.Sentinel, RedisComponent.Data, KeycloakComponent.Server, SupersetComponent.Server, AirflowComponent.Scheduler, AirflowComponent.Web),
            "Sentinels gossip; clients ask Sentinel for the current primary"),
    ];

    /// <summary>The kernel's ephemeral port range, set by the OS base sysctl file (net.ipv4.ip_local_port_range).</summary>
    public const string EphemeralRange = "10000-65535";

    /// <summary>Every table entry that applies to a host (it has the server role).</summary>
    public static IEnumerable<Access> On(Model.Host host) => Table.Where(a => host.Has(a.Server));

    public static readonly IReadOnlyList<string> DefaultClientNetworks = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
    public const string ClientNetworksKey = "datalyptica_client_networks";
    public const string AdminNetworksKey = "datalyptica_admin_networks";
    public const string SshSourcesKey = "nftables_ssh_sources";
}

using System.Collections.Frozen;
using Datalyptica.Contracts;

namespace Datalyptica.Components;

/// <summary>Every component the platform knows, and lookups by id and by inventory group.</summary>
public static class ComponentCatalog
{
    public static readonly IReadOnlyList<ComponentDefinition> All =
    [
        new HAProxy.HAProxyComponent(),
        new Keepalived.KeepalivedComponent(),
        new PostgreSQL.PostgreSQLComponent(),
        new Patroni.PatroniComponent(),
        new Nessie.NessieComponent(),
        new Etcd.EtcdComponent(),
        new ZooKeeper.ZooKeeperComponent(),
        new Kafka.KafkaComponent(),
        new SchemaRegistry.SchemaRegistryComponent(),
        new Spark.SparkComponent(),
        new Flink.FlinkComponent(),
        new Trino.TrinoComponent(),
        new ClickHouse.ClickHouseComponent(),
        new Airflow.AirflowComponent(),
        new JupyterHub.JupyterHubComponent(),
        new MLflow.MLflowComponent(),
        new Superset.SupersetComponent(),
        new Prometheus.PrometheusComponent(),
        new Alertmanager.AlertmanagerComponent(),
        new Grafana.GrafanaComponent(),
        new Loki.LokiComponent(),
        new Keycloak.KeycloakComponent(),
        new Redis.RedisComponent(),
    ];

    /// <summary>Apache Iceberg is a table format (a library inside Spark, Flink and Trino), pinned with the rest.</summary>
    public const string IcebergId = "iceberg";
    public const string IcebergVersion = "1.7.1";

    private static readonly FrozenDictionary<string, ComponentDefinition> ById =
        All.ToFrozenDictionary(c => c.Id);

    private static readonly FrozenDictionary<string, RoleDefinition[]> RolesByGroup = BuildRoleIndex();

    private static FrozenDictionary<string, RoleDefinition[]> BuildRoleIndex()
    {
        foreach (var component in All)
            foreach (var role in component.Roles)
                role.Component = component;
        return All.SelectMany(c => c.Roles).GroupBy(r => r.Group)
            .ToFrozenDictionary(g => g.Key, g => g.ToArray());
    }

    public static ComponentDefinition? Find(string id) => ById.GetValueOrDefault(id);

    public static ComponentDefinition Get(string id) =>
        Find(id) ?? throw new ArgumentException($"unknown component '{id}'", nameof(id));

    /// <summary>Roles that hosts in this inventory group take (PostgreSQL and Patroni share one group).</summary>
    public static IReadOnlyList<RoleDefinition> RolesOfGroup(string group) =>
        RolesByGroup.TryGetValue(group, out var roles) ? roles : [];

    public static IEnumerable<string> RoleGroups => RolesByGroup.Keys.Order(StringComparer.Ordinal);

    /// <summary>The seed's version table: the default bill of materials.</summary>
    public static IReadOnlyDictionary<string, string> DefaultVersions { get; } =
        All.Select(c => KeyValuePair.Create(c.Id, c.DefaultVersion))
            .Append(KeyValuePair.Create(IcebergId, IcebergVersion))
            .ToFrozenDictionary();
}

/// <summary>Ports every host has whatever it runs (the OS base layer).</summary>
public static class OsBase
{
    public static readonly PortSpec Ssh = new("ssh", 22, "ansible_port");
    public static readonly PortSpec NodeExporter = new("node-exporter", 9100, "node_exporter_port");
    public static readonly IReadOnlyList<PortSpec> Ports = [Ssh, NodeExporter];

    /// <summary>Inventory variables the OS base layer reads (chrony, container hosts, firewall sources, package and artifact sources).</summary>
    public static IReadOnlyList<Contracts.SettingSpec> Settings => OsBaseLayer.OsBaseSettings.All;

    /// <summary>Packages every host gets in the OS base layer (time, firewall, metrics, the tools the engine uses).</summary>
    public static readonly IReadOnlyList<string> DebianPackages =
        ["chrony", "nftables", "prometheus-node-exporter", "ca-certificates", "curl", "systemd", "tar", "gzip"];

    /// <summary>What the OS and the base agents keep for themselves on every host.</summary>
    public static readonly ResourceNeeds Reserve = new(0.5, 1, 20);
}

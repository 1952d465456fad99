using System.Collections.Concurrent;
using System.Collections.Frozen;
using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components;

/// <summary>
/// Every component the platform knows, and lookups by id and by inventory group. The catalog in effect is the built-in
/// one, unless code (a test, an extension) has put another in effect for its own async flow with <see cref="Use"/>:
/// every verb then sees exactly that catalog (validate, render, firewall, Prometheus, plan, verify, drills), and other
/// flows running at the same time still see the built-in one.
/// </summary>
public static class ComponentCatalog
{
    public static readonly IReadOnlyList<ComponentDefinition> BuiltIn =
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
        // After Loki: the shipper's layer (monitoring) installs it once Loki is there to push to.
        new Alloy.AlloyComponent(),
        new Keycloak.KeycloakComponent(),
        new Redis.RedisComponent(),
    ];

    /// <summary>Apache Iceberg is a table format (a library inside Spark, Flink and Trino), pinned with the rest.</summary>
    public const string IcebergId = "iceberg";
    public const string IcebergVersion = "1.7.1";

    private static readonly Contents BuiltInContents = new(BuiltIn);
    private static readonly AsyncLocal<Contents?> Scoped = new();
    private static Contents Current => Scoped.Value ?? BuiltInContents;

    /// <summary>
    /// Puts a catalog of <paramref name="components"/> in effect for this async flow until the result is disposed
    /// (for example the built-ins plus a sample: <c>Use([.. BuiltIn, sample])</c>).
    /// </summary>
    public static IDisposable Use(IReadOnlyList<ComponentDefinition> components)
    {
        var previous = Scoped.Value;
        Scoped.Value = new Contents(components);
        return new Restore(previous);
    }

    public static IReadOnlyList<ComponentDefinition> All => Current.All;

    public static ComponentDefinition? Find(string id) => Current.ById.GetValueOrDefault(id);

    public static ComponentDefinition Get(string id) =>
        Find(id) ?? throw new ArgumentException($"unknown component '{id}'", nameof(id));

    /// <summary>Roles that hosts in this inventory group take (PostgreSQL and Patroni share one group).</summary>
    public static IReadOnlyList<RoleDefinition> RolesOfGroup(string group) =>
        Current.RolesByGroup.TryGetValue(group, out var roles) ? roles : [];

    public static IEnumerable<string> RoleGroups => Current.RolesByGroup.Keys.Order(StringComparer.Ordinal);

    /// <summary>The seed's version table: the default bill of materials.</summary>
    public static IReadOnlyDictionary<string, string> DefaultVersions => Current.DefaultVersions;

    /// <summary>
    /// A value the shared builders combine from every component's declarations (firewall table, scrape jobs, declared
    /// settings, ...), built once per catalog: <paramref name="key"/> names it, <paramref name="build"/> computes it.
    /// </summary>
    public static T Combined<T>(string key, Func<IReadOnlyList<ComponentDefinition>, T> build) where T : class
    {
        var current = Current;
        return (T)current.Combined.GetOrAdd(key, _ => build(current.All));
    }

    private sealed class Contents
    {
        public Contents(IReadOnlyList<ComponentDefinition> all)
        {
            All = all;
            ById = all.ToFrozenDictionary(c => c.Id);
            foreach (var component in all)
                foreach (var role in component.Roles)
                    role.Component = component;
            RolesByGroup = all.SelectMany(c => c.Roles).GroupBy(r => r.Group).ToFrozenDictionary(g => g.Key, g => g.ToArray());
            DefaultVersions = all.Select(c => KeyValuePair.Create(c.Id, c.DefaultVersion))
                .Append(KeyValuePair.Create(IcebergId, IcebergVersion)).ToFrozenDictionary();
        }

        public IReadOnlyList<ComponentDefinition> All { get; }
        public FrozenDictionary<string, ComponentDefinition> ById { get; }
        public FrozenDictionary<string, RoleDefinition[]> RolesByGroup { get; }
        public FrozenDictionary<string, string> DefaultVersions { get; }
        public ConcurrentDictionary<string, object> Combined { get; } = new(StringComparer.Ordinal);
    }

    private sealed class Restore(Contents? previous) : IDisposable
    {
        public void Dispose() => Scoped.Value = previous;
    }
}

/// <summary>Ports every host has whatever it runs (the OS base layer).</summary>
public static class OsBase
{
    public static readonly PortSpec Ssh = new("ssh", 22, "ansible_port");
    public static readonly PortSpec NodeExporter = new("node-exporter", 9100, "node_exporter_port");
    public static readonly IReadOnlyList<PortSpec> Ports = [Ssh, NodeExporter];

    /// <summary>Inventory variables the OS base layer reads (chrony, container hosts, firewall sources, package and artifact sources).</summary>
    public static IReadOnlyList<SettingSpec> Settings => OsBaseLayer.OsBaseSettings.All;

    /// <summary>Packages every host gets in the OS base layer (time, firewall, metrics, the tools the engine uses).</summary>
    public static readonly IReadOnlyList<string> DebianPackages =
        ["chrony", "nftables", "prometheus-node-exporter", "ca-certificates", "curl", "systemd", "tar", "gzip"];

    /// <summary>What the OS and the base agents keep for themselves on every host.</summary>
    public static readonly ResourceNeeds Reserve = new(0.5, 1, 20);
}

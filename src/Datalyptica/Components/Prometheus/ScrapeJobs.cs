using Datalyptica.Components.Alertmanager;
using Datalyptica.Components.Etcd;
using Datalyptica.Components.Grafana;
using Datalyptica.Components.HAProxy;
using Datalyptica.Components.Keycloak;
using Datalyptica.Components.Loki;
using Datalyptica.Components.Nessie;
using Datalyptica.Components.Patroni;
using Datalyptica.Components.PostgreSQL;
using Datalyptica.Components.Redis;
using Datalyptica.Components.Trino;

namespace Datalyptica.Components.Prometheus;

/// <summary>
/// One scrape job: the members of <see cref="Roles"/> (or every host when null), each at its own port for
/// <see cref="Port"/>. Ports come from the owning component's PortSpec, so a port moved by an inventory
/// variable on one host is scraped where it really is.
/// </summary>
public sealed record ScrapeJob(string Name, IReadOnlyList<RoleDefinition>? Roles, PortSpec Port, string MetricsPath = "/metrics")
{
    public string? Why { get; init; }
    /// <summary>Trino's /metrics wants a user name (the insecure authenticator takes it from basic auth).</summary>
    public string? BasicAuthUser { get; init; }

    /// <summary>Path prefixes the monitoring UIs get behind HAProxy (--web.external-url): their own routes move under it.</summary>
    public const string PrometheusPrefix = "/prometheus";
    public const string AlertmanagerPrefix = "/alertmanager";

    public static readonly IReadOnlyList<ScrapeJob> All =
    [
        new("node", null, OsBase.NodeExporter) { Why = "node_exporter on every host" },
        new("prometheus", [PrometheusComponent.Server], PrometheusComponent.Http, $"{PrometheusPrefix}/metrics")
            { Why = "--web.external-url puts every route, /metrics too, under /prometheus" },
        new("alertmanager", [AlertmanagerComponent.Server], AlertmanagerComponent.Http, $"{AlertmanagerPrefix}/metrics"),
        new("haproxy", [HAProxyComponent.Node], HAProxyComponent.Exporter) { Why = "HAProxy's built-in Prometheus exporter frontend" },
        new("postgres", [PostgreSQLComponent.Member], PostgreSQLComponent.Exporter) { Why = "prometheus-postgres-exporter" },
        new("patroni", [PatroniComponent.Member], PatroniComponent.RestApi) { Why = "Patroni's REST API serves /metrics (3.x)" },
        new("etcd", [EtcdComponent.Member], EtcdComponent.Metrics)
            { Why = "the client port requires a client certificate; listen-metrics-urls serves /metrics in plain HTTP (the lab showed EOF on 2379)" },
        new("redis", [RedisComponent.Data], RedisComponent.Exporter) { Why = "prometheus-redis-exporter next to each data node" },
        new("grafana", [GrafanaComponent.Server], GrafanaComponent.Http) { Why = "Grafana serves /metrics at the root even with serve_from_sub_path" },
        new("loki", [LokiComponent.Server], LokiComponent.Http),
        new("keycloak", [KeycloakComponent.Server], KeycloakComponent.Management, "/auth/metrics")
            { Why = "metrics-enabled=true, on the management port; its path inherits http-relative-path=/auth (Keycloak 26 management interface guide)" },
        new("trino", [TrinoComponent.Coordinator, TrinoComponent.Worker], TrinoComponent.Http)
            { Why = "Trino's OpenMetrics endpoint; it needs a user name (trino.io docs, admin/openmetrics)", BasicAuthUser = "prometheus" },
        new("nessie", [NessieComponent.Server], NessieComponent.Management, "/q/metrics") { Why = "Quarkus management interface" },
    ];

    /// <summary>What is deliberately not scraped, and why (written into prometheus.yml).</summary>
    public static readonly IReadOnlyList<string> NotScraped =
    [
        "kafka brokers/controllers and schema registry: JMX only; no JMX-exporter port is defined in the site model",
        "clickhouse: its Prometheus endpoint (9363) is not a defined port of the ClickHouse component",
        "zookeeper: Debian's 3.8 package lacks the Prometheus metrics provider jars; health via 4lw ruok/mntr",
        "spark, flink, airflow, jupyterhub, mlflow, superset: no metrics port defined by their components",
        "keepalived: no metrics endpoint (its state shows as the VIP moving; haproxy is scraped)",
    ];
}

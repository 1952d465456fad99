using Datalyptica.Components.Airflow;
using Datalyptica.Components.Grafana;
using Datalyptica.Components.JupyterHub;
using Datalyptica.Components.Keycloak;
using Datalyptica.Components.MLflow;
using Datalyptica.Components.Nessie;
using Datalyptica.Components.Prometheus;
using Datalyptica.Components.SchemaRegistry;
using Datalyptica.Components.Superset;
using Datalyptica.Components.Trino;

namespace Datalyptica.Components.HAProxy;

/// <summary>
/// How a web application is published on the HTTPS front door.
/// <see cref="Path"/>: the seed's path (https://domain/grafana). <see cref="StripPrefix"/>: the application
/// does not know its sub-path, so HAProxy removes it; otherwise the application is configured with it
/// (Grafana serve_from_sub_path, Airflow base_url, ...) and receives it unchanged.
/// <see cref="HostPrefix"/>: routed by host name (&lt;prefix&gt;.&lt;domain&gt;) because the application cannot run under
/// a sub-path; its seed path then redirects to that host.
/// <see cref="HealthPath"/> is the path the backend is checked on, on <see cref="HealthPort"/> when the
/// health endpoint lives on a management port. <see cref="ActivePassive"/>: only the first member takes
/// traffic, the others are <c>backup</c> servers.
/// </summary>
public sealed record HttpRoute(string Name, string Path, RoleDefinition Role, PortSpec Port, string HealthPath, string Why)
{
    public bool StripPrefix { get; init; }
    public string? HostPrefix { get; init; }
    public PortSpec? HealthPort { get; init; }
    public bool ActivePassive { get; init; }
    /// <summary>An extra http-check expectation on the body (a regex), besides status 200.</summary>
    public string? ExpectBody { get; init; }
    /// <summary>Sticky sessions by an inserted cookie.</summary>
    public bool Sticky { get; init; }
    public int ServerTimeoutSeconds { get; init; } = 60;
}

/// <summary>The seed's URLs (README "Access Services") plus the platform's APIs, and how each is served.</summary>
public static class HttpRoutes
{
    public static readonly IReadOnlyList<HttpRoute> All =
    [
        new("grafana", "/grafana", GrafanaComponent.Server, GrafanaComponent.Http, "/api/health",
            "Grafana serves under root_url .../grafana/ with serve_from_sub_path=true; /api/health answers with or without the prefix"),
        new("trino", "/trino", TrinoComponent.Coordinator, TrinoComponent.Http, "/v1/info",
            "one active coordinator; the standby is a backup server so only one coordinator gets worker announcements. " +
            "The Trino UI has no sub-path support (absolute /ui/ links): trino.<domain>, /trino redirects there")
        {
            HostPrefix = "trino", ActivePassive = true, ExpectBody = "\"starting\":\\s*false", ServerTimeoutSeconds = 300,
        },
        new("airflow", "/airflow", AirflowComponent.Web, AirflowComponent.Webserver, "/airflow/health",
            "Airflow runs with [webserver] base_url=https://<domain>/airflow and enable_proxy_fix"),
        new("jupyter", "/jupyter", JupyterHubComponent.Server, JupyterHubComponent.Proxy, "/jupyter/hub/health",
            "JupyterHub base_url=/jupyter/; active/passive only: one hub owns the proxy's routing table")
        { ActivePassive = true },
        new("prometheus", "/prometheus", PrometheusComponent.Server, PrometheusComponent.Http, "/prometheus/-/ready",
            "--web.external-url=https://<domain>/prometheus/ moves every route under /prometheus. The pair scrape " +
            "independently, so users see one of them (backup) rather than alternating between slightly different data")
        { ActivePassive = true },
        new("auth", "/auth", KeycloakComponent.Server, KeycloakComponent.Http, "/auth/health/ready",
            "Keycloak http-relative-path=/auth; health on the management port, which inherits the relative path (Keycloak 26). " +
            "Sessions are replicated (Infinispan); stickiness only saves remote cache lookups")
        { HealthPort = KeycloakComponent.Management, Sticky = true },
        new("nessie", "/nessie", NessieComponent.Server, NessieComponent.Api, "/q/health/ready",
            "Nessie serves its API at the root (/api/v2): HAProxy strips /nessie. Health is Quarkus readiness on the management port")
        { StripPrefix = true, HealthPort = NessieComponent.Management },
        new("mlflow", "/mlflow", MLflowComponent.Server, MLflowComponent.Http, "/mlflow/health",
            "mlflow server --static-prefix /mlflow prefixes every route, /health included")
        { ServerTimeoutSeconds = 300 },
        new("schema-registry", "/schema-registry", SchemaRegistryComponent.Server, SchemaRegistryComponent.Http, "/subjects",
            "a JSON REST API with no links to rewrite: HAProxy strips the prefix; any instance forwards writes to the primary")
        { StripPrefix = true },
        new("superset", "/superset", SupersetComponent.Server, SupersetComponent.Http, "/health",
            "Superset 4.1 cannot run under a sub-path (SUPERSET_APP_ROOT arrives in 5.0, apache/superset #33228): " +
            "it gets superset.<domain>, and the seed's /superset redirects there")
        { HostPrefix = "superset", ServerTimeoutSeconds = 300 },
        // The seed also lists /kafka-ui, but the platform has no Kafka UI component: nothing is routed there.
    ];
}

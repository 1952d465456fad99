using Datalyptica.Components.Airflow;
using Datalyptica.Components.Grafana;
using Datalyptica.Components.JupyterHub;
using Datalyptica.Components.Keycloak;
using Datalyptica.Components.MLflow;
using Datalyptica.Components.Nessie;
using Datalyptica.Components.Prometheus;
using Datalyptica.Components.Superset;
using Datalyptica.Components.Trino;
using Datalyptica.Contracts;

namespace Datalyptica.Components.HAProxy;

/// <summary>Who calls the load balancers' ports.</summary>
public static class HAProxyAccess
{
    private static readonly RoleDefinition Lb = HAProxyComponent.Node;

    /// <summary>Platform roles that use PostgreSQL through HAProxy.</summary>
    private static readonly IReadOnlyList<RoleDefinition> PostgresClients =
    [
        NessieComponent.Server, AirflowComponent.Scheduler, AirflowComponent.Web, GrafanaComponent.Server, KeycloakComponent.Server,
        MLflowComponent.Server, SupersetComponent.Server, TrinoComponent.Coordinator, TrinoComponent.Worker, JupyterHubComponent.Server,
    ];

    public static IReadOnlyList<Access> Firewall { get; } =
    [
        // PostgreSQL and HTTPS are the platform's front door: the site's client networks, plus every platform role that
        // uses them (listed so the policy holds even with narrow client networks).
        .. new[] { HAProxyComponent.PostgresPrimary, HAProxyComponent.PostgresReplicas, HAProxyComponent.PostgresSync, HAProxyComponent.PostgresAsync }
            .Select(p => new Access("haproxy_" + p.Name.Replace('-', '_'), Lb, p, PostgresClients,
                "PostgreSQL through HAProxy (primary / replicas / sync / async): apps and the site's clients") { Networks = Networks.Client }),
        // Disaster recovery: the standby site's leader streams from this site's leader through the VIP (PatroniStandbySite).
        new("haproxy_postgres_dr", Lb, HAProxyComponent.PostgresPrimary, [],
            "PostgreSQL replication from the standby site (dr_standby_networks), into its slot") { Networks = Networks.DrStandby },
        new("haproxy_https", Lb, HAProxyComponent.Https, [.. CallerGroups.OidcClients, .. CallerGroups.Notebooks, .. CallerGroups.Engines],
            "HTTPS front door: users, and apps reaching Keycloak/Nessie/MLflow through the VIP") { Networks = Networks.Client },
        new("haproxy_http", Lb, HAProxyComponent.Http, [.. CallerGroups.OidcClients, .. CallerGroups.Notebooks], "HTTP, only redirected to HTTPS") { Networks = Networks.Client },
        new("haproxy_nessie", Lb, NessieComponent.FrontDoor, [.. CallerGroups.Engines, .. CallerGroups.Notebooks], "Nessie API on the VIP for engines and notebooks"),
        new("haproxy_trino", Lb, TrinoComponent.FrontDoor, [TrinoComponent.Coordinator, TrinoComponent.Worker, .. CallerGroups.Notebooks, SupersetComponent.Server],
            "Trino on the VIP: worker discovery and clients (notebooks, DAGs, Superset)") { Networks = Networks.Client },
        new("haproxy_stats", Lb, HAProxyComponent.Stats, [PrometheusComponent.Server, GrafanaComponent.Server], "HAProxy stats page: monitoring and operators") { Networks = Networks.Admin },
        new("haproxy_exporter", Lb, HAProxyComponent.Exporter, [PrometheusComponent.Server], "HAProxy's built-in Prometheus exporter"),
    ];
}

using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;

namespace Datalyptica.Components.MLflow;

/// <summary>Who calls MLflow, and its route on the HTTPS front door.</summary>
public static class MLflowAccess
{
    public static IReadOnlyList<Access> Firewall { get; } =
    [
        new("mlflow", MLflowComponent.Server, MLflowComponent.Http,
            [HAProxy.HAProxyComponent.Node, .. CallerGroups.Notebooks, Spark.SparkComponent.Worker, PrometheusComponent.Server],
            "UI through HAProxy; tracking clients in notebooks, DAGs and Spark executors"),
    ];

    public static IReadOnlyList<HttpRoute> Routes { get; } =
    [
        new("mlflow", "/mlflow", MLflowComponent.Server, MLflowComponent.Http, MLflowHealth.HealthPath,
            "mlflow server --static-prefix /mlflow prefixes every route, /health included")
        { ServerTimeoutSeconds = 300, Order = 80 },
    ];
}

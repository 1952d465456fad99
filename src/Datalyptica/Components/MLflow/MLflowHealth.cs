using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.MLflow;

/// <summary>
/// MLflow tracking server: GET /health answers 200 "OK" (mlflow/mlflow #2725); --static-prefix /mlflow moves it to /mlflow/health.
/// </summary>
public sealed class MLflowHealth : IHealthProbe
{
    public const string HealthPath = "/mlflow/health";

    public static ProbeOutcome Judge(int status, string body) => ProbeKit.OkWithBody(status, body, "OK");

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation) =>
        await ProbeKit.PerHostAsync(context, context.Hosts, host =>
            [ProbeKit.HttpAsync(context, host, "health", MLflowComponent.Http, HealthPath, Judge, cancellation)]);
}

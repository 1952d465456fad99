using Datalyptica.Contracts;

namespace Datalyptica.Components.MLflow;

/// <summary>MLflow runs as its own system user; we render its units. They restart on any change of its files.</summary>
public static class MLflowLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own("mlflow", "Datalyptica MLflow"),
        Units =
        [
            new("mlflow", UnitSource.Rendered, OnConfigChange.Restart),
        ],
    };
}

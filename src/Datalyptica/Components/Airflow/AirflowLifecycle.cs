using Datalyptica.Contracts;

namespace Datalyptica.Components.Airflow;

/// <summary>Airflow runs as its own system user; we render its units. They restart on any change of its files.</summary>
public static class AirflowLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own("airflow", "Datalyptica Airflow"),
        Units =
        [
            new("airflow-scheduler", UnitSource.Rendered, OnConfigChange.Restart),
            new("airflow-triggerer", UnitSource.Rendered, OnConfigChange.Restart),
            new("airflow-webserver", UnitSource.Rendered, OnConfigChange.Restart),
        ],
    };
}

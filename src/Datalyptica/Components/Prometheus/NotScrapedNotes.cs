using Datalyptica.Contracts;

namespace Datalyptica.Components.Prometheus;

/// <summary>
/// "Not scraped" notes that name several components (each of them declares the same note; it is written once). A note
/// about one component lives in that component's folder.
/// </summary>
public static class NotScrapedNotes
{
    public static readonly NotScraped JmxOnly =
        new("kafka brokers/controllers and schema registry: JMX only; no JMX-exporter port is defined in the site model", 10);

    public static readonly NotScraped NoMetricsPort =
        new("spark, flink, airflow, jupyterhub, mlflow, superset: no metrics port defined by their components", 40);
}

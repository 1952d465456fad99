using Datalyptica.Contracts;

namespace Datalyptica.Components.PostgreSQL;

/// <summary>PostgreSQL's scrape job (its alerts come from Patroni, which knows the roles).</summary>
public static class PostgreSQLMonitoring
{
    public static IReadOnlyList<ScrapeJob> Jobs { get; } =
        [new("postgres", [PostgreSQLComponent.Member], PostgreSQLComponent.Exporter) { Why = "prometheus-postgres-exporter", Order = 50 }];
}

using Datalyptica.Contracts;

namespace Datalyptica.Components.PostgreSQL;

/// <summary>
/// PostgreSQL's scrape job and the backup alerts (scheduled backups' age and outcome, WAL archiving); the cluster's role
/// alerts come from Patroni, which knows the roles.
/// </summary>
public static class PostgreSQLMonitoring
{
    public static IReadOnlyList<ScrapeJob> Jobs { get; } =
        [new("postgres", [PostgreSQLComponent.Member], PostgreSQLComponent.Exporter) { Why = "prometheus-postgres-exporter", Order = 50 }];

    public static IReadOnlyList<AlertGroup> Alerts { get; } = [new("pgbackrest", "postgres", ScheduledBackups.Alerts)];
}

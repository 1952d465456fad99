using Datalyptica.Contracts;

namespace Datalyptica.Components.PostgreSQL;

/// <summary>
/// PostgreSQL itself runs under Patroni (see PatroniLifecycle, which masks the distro cluster). This component's own
/// units are the packaged exporter and pgBackRest's TLS server, which the member running a backup reaches the others
/// through (pgN-host-type=tls), and the timers of the scheduled backups (ScheduledBackups).
/// </summary>
public static class PostgreSQLLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.FromPackage("postgres", "Debian postgresql-common package"),
        Units =
        [
            new("prometheus-postgres-exporter", UnitSource.Package, OnConfigChange.Restart)
                { RunsAs = ServiceAccount.FromPackage("prometheus", "Debian prometheus-postgres-exporter package runs as prometheus") },
            new("pgbackrest", UnitSource.Package, OnConfigChange.Restart),
            .. ScheduledBackups.Units,
        ],
        Commands = (site, host) => [PgBackRest.StanzaCreate(site, host)],
    };
}

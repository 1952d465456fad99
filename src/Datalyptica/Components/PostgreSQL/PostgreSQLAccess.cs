using Datalyptica.Components.Prometheus;
using Datalyptica.Contracts;

namespace Datalyptica.Components.PostgreSQL;

/// <summary>Who calls PostgreSQL's ports: clients only through HAProxy, peers, and Prometheus.</summary>
public static class PostgreSQLAccess
{
    public static IReadOnlyList<Access> Firewall { get; } =
    [
        new("postgresql", PostgreSQLComponent.Member, PostgreSQLComponent.Server, [HAProxy.HAProxyComponent.Node, PostgreSQLComponent.Member],
            "clients come through HAProxy; peers stream WAL and run pg_rewind/pg_basebackup"),
        new("postgres_exporter", PostgreSQLComponent.Member, PostgreSQLComponent.Exporter, [PrometheusComponent.Server], "postgres_exporter scrape"),
        new("pgbackrest_tls", PostgreSQLComponent.Member, PostgreSQLComponent.PgBackRestTls, [PostgreSQLComponent.Member],
            "pgBackRest's TLS server: the member running a backup or stanza-create reaches the others (the lab timed out without it)"),
    ];
}

using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.PostgreSQL;

/// <summary>PostgreSQL, owned by Patroni on the same hosts (group <c>postgresql</c>).</summary>
public sealed class PostgreSQLComponent : ComponentDefinition
{
    public static readonly PortSpec Server = new("postgres", 5432, "postgresql_port");
    public static readonly PortSpec Exporter = new("postgres-exporter", 9187, "postgres_exporter_port");
    /// <summary>pgBackRest's TLS server (Debian's pgbackrest.service), so a backup on one member can reach the others.</summary>
    public static readonly PortSpec PgBackRestTls = new("pgbackrest-tls", 8432, "pgbackrest_tls_port");

    public static readonly RoleDefinition Member = Role("postgresql", "database server", new(2, 4, 100),
        new(2, Why: "RPO 0 needs a leader and a synchronous standby"),
        Server, Exporter, PgBackRestTls);

    public override string Id => "postgresql";
    public override string DisplayName => "PostgreSQL";
    public override Tier Tier => Tier.Catalog;
    public override string DefaultVersion => "16.2";
    public override InstallSource Install => InstallSource.DistroPackage;
    public override Contracts.ComponentLifecycle Lifecycle => PostgreSQLLifecycle.Declaration;
    public override IReadOnlyList<RoleDefinition> Roles => [Member];
    public override string? NeedsObjectStore => "pgBackRest keeps PostgreSQL backups and archived WAL in the backups bucket";
    public override IReadOnlyList<Contracts.SettingSpec> Settings => PostgreSQLSettings.All;
    public override IReadOnlyList<string> SecretKeys =>
    [
        "vault_postgresql_superuser_password", "vault_postgresql_replication_password",
        PostgresLayout.RewindPasswordKey, PostgresLayout.MonitorPasswordKey, PgBackRest.CipherPassKey,
    ];
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new PostgreSQLRenderer();
    public override Contracts.Health.IHealthProbe? Health { get; } = new PostgreSQLHealth();
    /// <summary>The packages for the seed's pinned version (<see cref="PackagesFor"/>).</summary>
    public override IReadOnlyList<string> DebianPackages => Packages(DefaultVersion);
    /// <summary>
    /// postgresql-MAJOR for the site's pinned major, so the package and the paths Patroni is given
    /// (<see cref="PostgresLayout.BinDir"/>: /usr/lib/postgresql/MAJOR/bin) agree. Not the unversioned postgresql and
    /// postgresql-contrib: those depend on the distribution's default major (15 on Debian 12) whatever the site pins, and
    /// contrib is part of postgresql-MAJOR since PostgreSQL 10. A major Debian does not ship needs PGDG (DL130).
    /// </summary>
    public override IReadOnlyList<string> PackagesFor(Site site) => Packages(site.Versions.GetValueOrDefault(Id, DefaultVersion));
    public override IReadOnlyList<Contracts.IValidationRule> ValidationRules => [new PostgreSQLPackageRule()];

    /// <summary>
    /// The client (psql, pg_dump, pg_basebackup's package) is named too, though the server depends on it: Debian builds both
    /// from one source at one version, and a pin (datalyptica_package_versions) must hold them together.
    /// </summary>
    private static IReadOnlyList<string> Packages(string version) => [.. ServerPackages(version), "pgbackrest", "prometheus-postgres-exporter"];

    private static IReadOnlyList<string> ServerPackages(string version) =>
        [$"postgresql-{PostgresLayout.MajorOf(version)}", $"postgresql-client-{PostgresLayout.MajorOf(version)}"];

    /// <summary>A minor upgrade moves the server and its client together; Patroni restarts PostgreSQL on the new binaries.</summary>
    public override IReadOnlyList<string> VersionedPackages(Site site) => ServerPackages(site.Versions.GetValueOrDefault(Id, DefaultVersion));
    public override string UpgradeRestarts => "patroni";

    /// <summary>The PostgreSQL major Debian 12's own repository ships (bookworm: postgresql-15).</summary>
    public const string DebianMajor = "15";
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => PostgreSQLAccess.Firewall;
    public override IReadOnlyList<Contracts.ScrapeJob> ScrapeJobs => PostgreSQLMonitoring.Jobs;
    public override IReadOnlyList<Contracts.AlertGroup> Alerts => PostgreSQLMonitoring.Alerts;
}

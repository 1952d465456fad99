using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Nessie;

/// <summary>Nessie, the Iceberg catalog: stateless servers on PostgreSQL (through HAProxy).</summary>
public sealed class NessieComponent : ComponentDefinition
{
    public static readonly PortSpec Api = new("api", 19120, "nessie_port");
    public static readonly PortSpec Management = new("management", 9000, "nessie_management_port");
    /// <summary>
    /// HAProxy's listener for the Nessie API on the front-door VIP (read from the HAProxy hosts' vars). Iceberg's
    /// NessieCatalog takes one URI, so clients (Spark, Trino, Flink) reach the stateless servers through the VIP;
    /// HAProxy checks /q/health/ready on each server's management port.
    /// </summary>
    public static readonly PortSpec FrontDoor = new("nessie-front-door", 19120, "haproxy_nessie_port");

    public static readonly RoleDefinition Server = Role("nessie", "catalog server", new(1, 2),
        new(2, Why: "stateless servers behind HAProxy; one may fail"), Api, Management);

    public override string Id => "nessie";
    public override string DisplayName => "Nessie";
    public override Tier Tier => Tier.Catalog;
    public override string DefaultVersion => "0.98.2";
    public override InstallSource Install => InstallSource.Artifact;
    public override IReadOnlyList<ArtifactRelease> Releases => NessieRelease.All;
    public override Contracts.ComponentLifecycle Lifecycle => NessieLifecycle.Declaration;
    public override IReadOnlyList<RoleDefinition> Roles => [Server];
    public override IReadOnlyList<Dependency> Requires => [new("postgresql", "Nessie stores commits in PostgreSQL (JDBC version store)")];
    public override string? NeedsObjectStore => "Iceberg tables committed through Nessie keep their data in the warehouse bucket";
    public const string PasswordKey = "vault_nessie_db_password";
    /// <summary>Its PostgreSQL database and login role (the JDBC version store), named by nessie_db_name and nessie_db_user.</summary>
    public static ApplicationDatabase Database(Site site) =>
        new(NessieSettings.DatabaseName.Read(site), NessieSettings.DatabaseUser.Read(site), PasswordKey);
    public override IReadOnlyList<ApplicationDatabase> ApplicationDatabases(Site site) => [Database(site)];
    public override IReadOnlyList<string> SecretKeys => [PasswordKey];
    public override IReadOnlyList<Contracts.SettingSpec> Settings => NessieSettings.All;
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new NessieRenderer();
    public override IReadOnlyList<string> DebianPackages => ["openjdk-17-jre-headless"];
    public override Contracts.Health.IHealthProbe? Health { get; } = new NessieHealth();
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => NessieAccess.Firewall;
    public override IReadOnlyList<Contracts.HttpRoute> HttpRoutes => NessieAccess.Routes;
    public override IReadOnlyList<Contracts.ScrapeJob> ScrapeJobs => NessieMonitoring.Jobs;
}

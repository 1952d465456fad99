using Datalyptica.Components.HAProxy;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;

namespace Datalyptica.Components.Nessie;

/// <summary>
/// Nessie 0.98 (Quarkus uber-jar from the pinned artifact) on the JDBC version store in PostgreSQL, reached
/// through HAProxy's primary port on the VIP so a Patroni failover needs no Nessie change.
/// </summary>
public sealed class NessieRenderer : IComponentRenderer
{
    public const string User = "nessie";
    public const string UnitName = "nessie";
    public const string WarehouseName = "warehouse";
    public const string S3SecretName = "datalyptica-s3";

    public static readonly string ConfigDir = PlatformPaths.Config("nessie");
    public static readonly string PropertiesPath = $"{ConfigDir}/application.properties";
    public static readonly string EnvPath = $"{ConfigDir}/nessie.env";

    /// <summary>
    /// The Nessie API v2 URI clients use: the front-door VIP on HAProxy's Nessie port (Iceberg's NessieCatalog has no
    /// client-side failover list, the VIP gives it one). Without a VIP the first server is used directly.
    /// </summary>
    public static string ApiUri(RenderContext ctx)
    {
        var proxies = ctx.Members(HAProxyComponent.Node);
        if (ctx.Site.Vips.Count > 0 && proxies.Count > 0)
            return $"http://{ctx.FrontDoor}:{proxies[0].Port(NessieComponent.FrontDoor)}/api/v2";
        var first = ctx.Members(NessieComponent.Server)[0];
        return $"http://{first.Address}:{first.Port(NessieComponent.Api)}/api/v2";
    }

    /// <summary>jdbc:postgresql://VIP:5000/db — HAProxy's primary port (autobase convention) follows the Patroni leader.</summary>
    public static string PostgresUrl(RenderContext ctx, string database, bool replicas = false)
    {
        var proxy = ctx.Members(HAProxyComponent.Node)[0];
        var port = proxy.Port(replicas ? HAProxyComponent.PostgresReplicas : HAProxyComponent.PostgresPrimary);
        return $"jdbc:postgresql://{ctx.FrontDoor}:{port}/{database}";
    }

    public static int HeapMb(RenderContext ctx) =>
        NessieSettings.HeapMb.Get(ctx.Site, ctx.Host) ?? Math.Clamp(RoleBudget.RamMb(ctx.Host, NessieComponent.Server) / 2, 512, 8192) / 256 * 256;

    public IEnumerable<RenderedFile> Render(RenderContext ctx)
    {
        var component = NessieComponent.Server.Component;
        var store = ctx.ObjectStore;
        var db = NessieComponent.Database(ctx.Site);
        var (database, dbUser) = (db.Database, db.Role);
        var heap = HeapMb(ctx);
        var properties = JavaProperties.Write(
        [
            // Dev/staging co-locate Nessie with other services: both ports come from this host's vars.
            new("quarkus.http.host", "0.0.0.0"),
            new("quarkus.http.port", ctx.Port(NessieComponent.Api)),
            new("quarkus.management.enabled", true),
            new("quarkus.management.host", "0.0.0.0"),
            new("quarkus.management.port", ctx.Port(NessieComponent.Management)),
            new("nessie.server.default-branch", "main"),
            // JDBC2 is the JDBC version store since Nessie 0.97 (JDBC is the deprecated one).
            new("nessie.version.store.type", "JDBC2"),
            new("nessie.version.store.persist.jdbc.datasource", "postgresql"),
            new("quarkus.datasource.postgresql.jdbc.url", PostgresUrl(ctx, database)),
            new("quarkus.datasource.postgresql.username", dbUser),
            new("quarkus.datasource.postgresql.password", ctx.Secret(db.PasswordSecretKey)),
            new("quarkus.datasource.postgresql.jdbc.min-size", 2),
            new("quarkus.datasource.postgresql.jdbc.max-size", 20),
            // After a Patroni switchover the old connections die: validate on borrow and retire quickly.
            new("quarkus.datasource.postgresql.jdbc.validate-on-borrow", true),
            new("quarkus.datasource.postgresql.jdbc.idle-removal-interval", "PT2M"),
            // Nessie's own catalog server (Iceberg REST at /iceberg) is configured with the S3 warehouse, so REST
            // clients (PyIceberg in notebooks) work too; Spark/Flink/Trino use the native Nessie API (/api/v2) with
            // their own S3 credentials. Nessie 0.98 requires a warehouse for the REST endpoints (projectnessie.org guides/iceberg-rest).
            new("nessie.catalog.default-warehouse", WarehouseName),
            new($"nessie.catalog.warehouses.{WarehouseName}.location", $"s3://{store.Buckets["warehouse"]}/"),
            new("nessie.catalog.service.s3.default-options.endpoint", store.Endpoint),
            new("nessie.catalog.service.s3.default-options.region", store.Region),
            new("nessie.catalog.service.s3.default-options.path-style-access", store.PathStyle),
            new("nessie.catalog.service.s3.default-options.access-key", $"urn:nessie-secret:quarkus:{S3SecretName}"),
            new($"{S3SecretName}.name", ctx.Secret(store.AccessKey.VarName)),
            new($"{S3SecretName}.secret", ctx.Secret(store.SecretKey.VarName)),
            // Logs: console goes to the journal; a rotated file under the platform log folder for Loki.
            new("quarkus.log.file.enable", true),
            new("quarkus.log.file.path", $"{PlatformPaths.Logs("nessie")}/nessie.log"),
            new("quarkus.log.file.rotation.max-file-size", "100M"),
            new("quarkus.log.file.rotation.max-backup-index", 10),
        ], $"Generated by datalyptica: Nessie {ctx.Version(component)} on {ctx.Host.Name}.\n" +
           "Stateless: every server shares the version store in PostgreSQL. Health: GET /q/health/ready on the management port.");
        yield return ctx.File(component, PropertiesPath, properties) with { Group = User, Mode = Modes.Private };
        yield return ctx.File(component, EnvPath,
            "# Generated by datalyptica: JVM options for Nessie (heap from the host's RAM share).\n" +
            $"JAVA_OPTS=\"-Xms{Sizing.Jvm(heap)} -Xmx{Sizing.Jvm(heap)} -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -Dquarkus.config.locations={PropertiesPath}\"\n") with { Group = User };
        // Nessie 0.98 needs Java 17+: Debian 12's openjdk-17 (/usr/bin/java).
        var unit = new SystemdUnit("Nessie catalog server (datalyptica)",
            $"/usr/bin/java $JAVA_OPTS -jar {PlatformPaths.Current("nessie")}/nessie-quarkus-{ctx.Version(component)}-runner.jar", User)
        {
            EnvironmentFiles = [EnvPath],
            WorkingDirectory = PlatformPaths.Data("nessie"),
            SuccessExitStatus = 143,
            MemoryMaxMb = Math.Max(heap + 512, Math.Min(RoleBudget.RamMb(ctx.Host, NessieComponent.Server), heap * 2)),
            ReadWritePaths = [PlatformPaths.Data("nessie"), PlatformPaths.Logs("nessie")],
        };
        yield return new RenderedFile(component.Id, PlatformPaths.Unit(UnitName), unit.Render()) { Kind = FileKind.SystemdUnit };
    }
}

using Datalyptica.Components.Keycloak;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;

namespace Datalyptica.Components.Loki;

/// <summary>
/// Loki 3.3 in monolithic mode on every ring member: memberlist ring, replication factor up to 3, chunks and TSDB
/// index in the logs bucket, retention by the compactor. grafana.com/docs/loki/latest (configure, operations/storage/retention).
/// </summary>
public sealed class LokiRenderer : IComponentRenderer
{
    public const string Id = "loki";
    public const string User = "loki";
    public static readonly string ConfigPath = $"{PlatformPaths.Config(Id)}/config.yaml";
    public static readonly string DataDir = PlatformPaths.Data(Id);
    /// <summary>
    /// The seed's 30 days for operational logs, in hours: the compactor deletes older chunks (retention_enabled, and
    /// delete_request_store which Loki 3 requires with it). A multiple of the 24h index period, as retention needs.
    /// grafana.com/docs/loki/v3.3.x/operations/storage/retention/
    /// </summary>
    public const string DefaultRetention = "720h";
    /// <summary>The first day of the v13 schema period. Fixed for good: changing it would orphan stored index.</summary>
    public const string SchemaFrom = "2024-12-01";

    public IEnumerable<RenderedFile> Render(RenderContext ctx)
    {
        if (!ctx.Has(LokiComponent.Server)) yield break;
        yield return new RenderedFile(Id, ConfigPath, Config(ctx)) { Group = User, Mode = Modes.Private };
        yield return new RenderedFile(Id, PlatformPaths.Unit("loki"), new SystemdUnit("Loki (datalyptica)",
            $"{PlatformPaths.Current(Id)}/bin/loki -config.file={ConfigPath} -target=all -log.level=info", User)
        {
            WorkingDirectory = DataDir,
            LimitNoFile = 131072,
            // Ingesters flush in-memory chunks on SIGTERM; give them time.
            TimeoutStopSec = 300,
            MemoryMaxMb = (int)(AppPlatform.AvailableRamGb(ctx.Host, ComponentCatalog.Find(Id)!) * 1024 * 0.8),
            ReadWritePaths = [DataDir, PlatformPaths.Logs(Id)],
        }.Render()) { Kind = FileKind.SystemdUnit };
    }

    public static int ReplicationFactor(int members) => Math.Min(3, members);

    private static string Config(RenderContext ctx)
    {
        var store = ctx.ObjectStore;
        var members = ctx.Members(LokiComponent.Server);
        var endpoint = new Uri(store.Endpoint);
        var retention = LokiSettings.RetentionPeriod.Read(ctx.Site, ctx.Host);
        var model = new Dictionary<string, object>
        {
            ["auth_enabled"] = false,
            ["server"] = new Dictionary<string, object>
            {
                ["http_listen_address"] = ctx.Host.Address.ToString(),
                ["http_listen_port"] = ctx.Port(LokiComponent.Http),
                ["grpc_listen_address"] = ctx.Host.Address.ToString(),
                ["grpc_listen_port"] = ctx.Port(LokiComponent.Grpc),
                ["log_level"] = "info",
            },
            ["common"] = new Dictionary<string, object>
            {
                ["path_prefix"] = DataDir,
                ["replication_factor"] = ReplicationFactor(members.Count),
                ["instance_addr"] = ctx.Host.Address.ToString(),
                ["ring"] = new Dictionary<string, object> { ["kvstore"] = new Dictionary<string, object> { ["store"] = "memberlist" } },
                ["storage"] = new Dictionary<string, object>
                {
                    ["s3"] = new Dictionary<string, object>
                    {
                        ["endpoint"] = endpoint.Authority,
                        ["insecure"] = endpoint.Scheme == "http",
                        ["region"] = store.Region,
                        ["bucketnames"] = store.Buckets["logs"],
                        ["access_key_id"] = ctx.Secret(store.AccessKey.VarName),
                        ["secret_access_key"] = ctx.Secret(store.SecretKey.VarName),
                        ["s3forcepathstyle"] = store.PathStyle,
                    },
                },
            },
            ["memberlist"] = new Dictionary<string, object>
            {
                ["bind_addr"] = new List<string> { ctx.Host.Address.ToString() },
                ["bind_port"] = ctx.Port(LokiComponent.Memberlist),
                ["advertise_addr"] = ctx.Host.Address.ToString(),
                ["advertise_port"] = ctx.Port(LokiComponent.Memberlist),
                // Every member with its own memberlist port (the port may be moved per host).
                ["join_members"] = ctx.Endpoints(LokiComponent.Server, LokiComponent.Memberlist).ToList(),
                ["abort_if_cluster_join_fails"] = false,
            },
            ["schema_config"] = new Dictionary<string, object>
            {
                ["configs"] = new List<object>
                {
                    new Dictionary<string, object>
                    {
                        ["from"] = SchemaFrom, ["store"] = "tsdb", ["object_store"] = "s3", ["schema"] = "v13",
                        ["index"] = new Dictionary<string, object> { ["prefix"] = "index_", ["period"] = "24h" },
                    },
                },
            },
            ["storage_config"] = new Dictionary<string, object>
            {
                ["tsdb_shipper"] = new Dictionary<string, object>
                {
                    ["active_index_directory"] = $"{DataDir}/tsdb-index",
                    ["cache_location"] = $"{DataDir}/tsdb-cache",
                },
            },
            ["ingester"] = new Dictionary<string, object>
            {
                ["wal"] = new Dictionary<string, object> { ["enabled"] = true, ["dir"] = $"{DataDir}/wal" },
            },
            // One compactor runs at a time: members elect it through the compactor ring on memberlist.
            // With retention on, delete requests need a store: delete_request_store is required (retention docs).
            ["compactor"] = new Dictionary<string, object>
            {
                ["working_directory"] = $"{DataDir}/compactor",
                ["compaction_interval"] = "10m",
                ["retention_enabled"] = true,
                ["retention_delete_delay"] = "2h",
                ["delete_request_store"] = "s3",
            },
            ["limits_config"] = new Dictionary<string, object>
            {
                ["retention_period"] = retention,
                ["reject_old_samples"] = true,
                ["reject_old_samples_max_age"] = "168h",
                ["max_query_lookback"] = retention,
                ["ingestion_rate_mb"] = 16,
                ["ingestion_burst_size_mb"] = 32,
            },
            ["analytics"] = new Dictionary<string, object> { ["reporting_enabled"] = false },
        };
        return YamlText.Write(model, "Generated by datalyptica. Loki " + ctx.Version(ComponentCatalog.Find(Id)!) + " monolithic ring member.");
    }
}

using Datalyptica.Components.Prometheus;
using Datalyptica.Components.Trino;
using Datalyptica.Contracts;

namespace Datalyptica.Components.ClickHouse;

/// <summary>Who calls ClickHouse's and ClickHouse Keeper's ports.</summary>
public static class ClickHouseAccess
{
    public static IReadOnlyList<Access> Firewall { get; } =
    [
        new("clickhouse_http", ClickHouseComponent.Server, ClickHouseComponent.Http,
            [ClickHouseComponent.Server, TrinoComponent.Coordinator, TrinoComponent.Worker, Superset.SupersetComponent.Server, Grafana.GrafanaComponent.Server,
             .. CallerGroups.Notebooks, PrometheusComponent.Server],
            "HTTP interface: Trino connector, Superset, Grafana, notebooks"),
        new("clickhouse_native", ClickHouseComponent.Server, ClickHouseComponent.Native, [ClickHouseComponent.Server, .. CallerGroups.Notebooks],
            "Distributed tables query other replicas over the native protocol"),
        new("clickhouse_interserver", ClickHouseComponent.Server, ClickHouseComponent.Interserver, [ClickHouseComponent.Server], "replicas fetch parts"),
        new("clickhouse_keeper_client", ClickHouseComponent.Keeper, ClickHouseComponent.KeeperClient, [ClickHouseComponent.Server, ClickHouseComponent.Keeper],
            "ReplicatedMergeTree coordination"),
        new("clickhouse_keeper_raft", ClickHouseComponent.Keeper, ClickHouseComponent.KeeperRaft, [ClickHouseComponent.Keeper], "Keeper Raft"),
    ];
}

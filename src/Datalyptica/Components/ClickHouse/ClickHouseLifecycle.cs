using Datalyptica.Contracts;

namespace Datalyptica.Components.ClickHouse;

/// <summary>
/// ClickHouse runs as its own system user; we render its units. They restart on any change of its files.
/// First start needs no step of ours: its users (default, and trino when the site deploys Trino) are declared in users.d
/// files the server reads at start (https://clickhouse.com/docs/operations/settings/settings-users), so no SQL runs.
/// </summary>
public static class ClickHouseLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own("clickhouse", "Datalyptica ClickHouse"),
        Units =
        [
            new("clickhouse-keeper", UnitSource.Rendered, OnConfigChange.Restart),
            new("clickhouse-server", UnitSource.Rendered, OnConfigChange.Restart),
        ],
    };
}

using Datalyptica.Contracts;

namespace Datalyptica.Components.ClickHouse;

public static class ClickHouseSettings
{
    public static readonly IntSetting Shards = new("clickhouse_shards", 1, 1, 1000, "shards of the cluster (never more than the servers)") { Scope = SettingScope.Host };

    public static readonly IReadOnlyList<SettingSpec> All = [Shards];
}

using Datalyptica.Contracts;

namespace Datalyptica.Components.Trino;

public static class TrinoSettings
{
    public static readonly TextSetting PostgresDatabase = new("trino_postgresql_database", "postgres", "the database Trino's PostgreSQL catalog reads")
        { Pattern = SettingPatterns.SqlName, PatternDescription = SettingPatterns.SqlNameText };

    public static readonly IReadOnlyList<SettingSpec> All = [PostgresDatabase];
}

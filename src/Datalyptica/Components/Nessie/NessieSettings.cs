using Datalyptica.Contracts;

namespace Datalyptica.Components.Nessie;

public static class NessieSettings
{
    public static readonly TextSetting DatabaseName = new("nessie_db_name", "nessie", "Nessie's PostgreSQL database")
        { Pattern = SettingPatterns.SqlName, PatternDescription = SettingPatterns.SqlNameText };
    public static readonly TextSetting DatabaseUser = new("nessie_db_user", "nessie", "Nessie's PostgreSQL role")
        { Pattern = SettingPatterns.SqlName, PatternDescription = SettingPatterns.SqlNameText };
    public static readonly IntSetting HeapMb = new("nessie_heap_mb", null, 256, 65536, "JVM heap", "MB")
        { Scope = SettingScope.Host, DefaultDescription = "half of Nessie's share of RAM, 512..8192 MB" };

    public static readonly IReadOnlyList<SettingSpec> All = [DatabaseName, DatabaseUser, HeapMb];
}

using Datalyptica.Contracts;

namespace Datalyptica.Components.PostgreSQL;

/// <summary>PostgreSQL and pgBackRest inventory variables (postgresql.conf reference; pgBackRest configuration reference).</summary>
public static partial class PostgreSQLSettings
{
    public static readonly IntSetting MaxConnections = new("postgresql_max_connections", 500, 10, 10000, "max_connections (DCS-wide)");
    public static readonly TextSetting SharedBuffers = new("postgresql_shared_buffers", null, "shared_buffers")
        { Scope = SettingScope.Host, Pattern = Size, PatternDescription = "a size such as 8GB or 512MB (a bare number is MB)", DefaultDescription = "a quarter of the RAM PostgreSQL may plan with", Example = "512MB" };
    public static readonly StructuredSetting Databases = new("postgresql_databases", mapping: false, "application databases to create (reserved: nothing reads it yet)") { Example = "[{name: sales, owner: sales}]" };
    // repo1-retention-full: 1..9999999 (pgBackRest configuration reference).
    public static readonly IntSetting RetentionFull = new("pgbackrest_retention_full", 30, 1, 9999999,
        "full backups kept: days (type time) or backups (type count)");
    /// <summary>time (days, the default, as autobase) or count (full backups kept; the lab's choice, so expire acts at once).</summary>
    public static readonly ChoiceSetting RetentionFullType = new("pgbackrest_retention_full_type", "time", ["time", "count"], "repo1-retention-full-type");

    [System.Text.RegularExpressions.GeneratedRegex("^[1-9][0-9]{0,5} *([MmGg][Bb])?$")]
    private static partial System.Text.RegularExpressions.Regex Size { get; }

    /// <summary>
    /// The site's package source carries apt.postgresql.org (PGDG) packages for Debian 12, so a major Debian does not ship
    /// may be pinned (DL130). Nothing adds PGDG for you: the apt_mirror_url mirror must include it, or the offline
    /// repository be built (repo build) on a control node with PGDG in its apt sources, or hosts keep their own sources.
    /// </summary>
    public static readonly BoolSetting Pgdg = new("postgresql_pgdg", false,
        "the package source carries apt.postgresql.org (PGDG) packages: a PostgreSQL major Debian 12 does not ship (it ships 15) may be pinned");

    public static readonly IReadOnlyList<SettingSpec> All = [MaxConnections, SharedBuffers, Databases, RetentionFull, RetentionFullType, Pgdg];
}

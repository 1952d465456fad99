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

    // Scheduled backups (ScheduledBackups): a weekly full and a daily differential, the seed's schedule, on every member's
    // timers; only the primary's run backs up. Times are the hosts' local time (systemd.time).
    public static readonly TextSetting FullSchedule = Calendar("pgbackrest_full_schedule", "Sun *-*-* 01:00:00",
        "when the scheduled full backup runs (systemd OnCalendar)");
    public static readonly TextSetting DiffSchedule = Calendar("pgbackrest_diff_schedule", "Mon..Sat *-*-* 01:00:00",
        "when the scheduled differential backup runs (systemd OnCalendar); keep it off the full backup's day: one backup at a time");

    // The compliance copy (ScheduledBackups.Archive), only where the object store names an archive bucket: monthly, on the
    // 1st at 03:00 (after the 01:00 full or differential, which holds the stanza's backup lock while it runs).
    public static readonly TextSetting ArchiveSchedule = Calendar("pgbackrest_archive_schedule", "*-*-01 03:00:00",
        "when the compliance copy (a full backup into the archive bucket, pgBackRest's repo2) runs (systemd OnCalendar)");
    public static readonly IntSetting ArchiveRetentionFull = new("pgbackrest_archive_retention_full", 12, 1, 9999999,
        "compliance copies kept in the archive bucket (repo2-retention-full, by count): 12 monthly copies are a year");

    private static TextSetting Calendar(string key, string defaultValue, string doc) => new(key, defaultValue, doc)
    {
        Accepts = Contracts.Formats.SystemdTimer.IsCalendarEvent, PatternDescription = Contracts.Formats.SystemdTimer.CalendarDescription,
        // YAML source: a value starting with '*' would read as an alias, so the example quotes it (as a site must).
        Example = defaultValue.StartsWith('*') ? $"'{defaultValue}'" : defaultValue,
    };
    // The alert thresholds follow the schedules: raise them with a sparser schedule. 192 h is the weekly full plus a day;
    // 26 h a daily backup (full or differential) plus two hours for a slow one.
    public static readonly IntSetting FullMaxAgeHours = new("pgbackrest_full_max_age_hours", 192, 1, 8784,
        "alert when the newest full backup is older than this (hours)");
    public static readonly IntSetting BackupMaxAgeHours = new("pgbackrest_backup_max_age_hours", 26, 1, 8784,
        "alert when the newest backup of any type is older than this (hours)");
    // 31 days of the longest month plus two for a slow or retried copy.
    public static readonly IntSetting ArchiveMaxAgeHours = new("pgbackrest_archive_max_age_hours", 792, 1, 8784,
        "alert when the newest compliance copy (archive bucket) is older than this (hours)");

    [System.Text.RegularExpressions.GeneratedRegex("^[1-9][0-9]{0,5} *([MmGg][Bb])?$")]
    private static partial System.Text.RegularExpressions.Regex Size { get; }

    /// <summary>
    /// The site's package source carries apt.postgresql.org (PGDG) packages for Debian 12, so a major Debian does not ship
    /// may be pinned (DL130). Nothing adds PGDG for you: the apt_mirror_url mirror must include it, or the offline
    /// repository be built (repo build) on a control node with PGDG in its apt sources, or hosts keep their own sources.
    /// </summary>
    public static readonly BoolSetting Pgdg = new("postgresql_pgdg", false,
        "the package source carries apt.postgresql.org (PGDG) packages: a PostgreSQL major Debian 12 does not ship (it ships 15) may be pinned");

    public static readonly IReadOnlyList<SettingSpec> All = [MaxConnections, SharedBuffers, Databases, RetentionFull, RetentionFullType, Pgdg, FullSchedule, DiffSchedule, FullMaxAgeHours, BackupMaxAgeHours,
        ArchiveSchedule, ArchiveRetentionFull, ArchiveMaxAgeHours];
}

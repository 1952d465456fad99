using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Contracts.Rendering;
using static Datalyptica.Contracts.AlertRule;

namespace Datalyptica.Components.PostgreSQL;

/// <summary>
/// Backups on a schedule, as the seed states them: a weekly full and a daily differential backup (pgBackRest's backup
/// types, pgbackrest.org/command.html#command-backup), WAL archived continuously by archive_command. Every PostgreSQL
/// member gets both timers (systemd.timer), so the schedule survives any failover; a run backs up only on the member
/// that is the primary when it fires, the same member `datalyptica backup` picks (pgBackRest then copies the files from
/// a standby, backup-standby=y). Each run writes its outcome as node_exporter textfile metrics (node_exporter's textfile
/// collector reads the platform's folder, /var/lib/datalyptica/node-exporter: NodeMonitoring.Defaults), which the alerts below read.
/// </summary>
public static class ScheduledBackups
{
    public const string ScriptPath = "/etc/pgbackrest/scheduled-backup.sh";
    public const string TextfileDir = Contracts.Rendering.PlatformPaths.NodeExporterTextfiles;
    public const string LastRunMetric = "datalyptica_pgbackrest_last_run_timestamp_seconds";
    public const string LastSuccessMetric = "datalyptica_pgbackrest_last_success_timestamp_seconds";
    public const string LastExitCodeMetric = "datalyptica_pgbackrest_last_run_exit_code";
    public const string LastDurationMetric = "datalyptica_pgbackrest_last_run_duration_seconds";

    /// <summary>The compliance copy: a full backup into the archive bucket (pgBackRest's repo2), where the site names one.</summary>
    public const string Archive = "archive";

    /// <summary>The scheduled jobs: pgBackRest's own backup types into the backups bucket (repo1), then the compliance copy.</summary>
    public static readonly IReadOnlyList<string> Types = ["full", "diff", Archive];

    /// <summary>The jobs this site runs: the compliance copy only where the object store names an archive bucket.</summary>
    public static IEnumerable<string> TypesOn(Model.Site site) =>
        Types.Where(t => t != Archive || site.ObjectStore?.Buckets.ContainsKey(Model.ObjectStore.ArchivePurpose) == true);

    public static string Job(string type) => $"datalyptica-pgbackrest-{type}";
    public static string MetricsFile(string type) => $"{TextfileDir}/datalyptica_pgbackrest_{type}.prom";

    /// <summary>
    /// The jobs, declared for PostgreSQL's lifecycle: the timers run, the jobs only when a timer starts them. Rendered
    /// units are managed only where their files are, so a site without an archive bucket has no archive job.
    /// </summary>
    public static IEnumerable<UnitSpec> Units => Types.Select(type =>
        new UnitSpec(Job(type), UnitSource.Rendered, OnConfigChange.Restart) { StartedByTimer = true, Reads = [ScriptPath, PlatformPaths.Unit(Job(type)), PlatformPaths.Timer(Job(type))] });

    public static IEnumerable<RenderedFile> Render(RenderContext ctx, ComponentDefinition component)
    {
        yield return ctx.File(component, ScriptPath, Script(ctx)) with { Kind = FileKind.Script, Mode = Modes.Executable };
        foreach (var type in TypesOn(ctx.Site))
        {
            var schedule = (type switch { "full" => PostgreSQLSettings.FullSchedule, "diff" => PostgreSQLSettings.DiffSchedule, _ => PostgreSQLSettings.ArchiveSchedule }).Read(ctx.Site)!;
            var job = Job(type);
            yield return ctx.File(component, PlatformPaths.Unit(job), new SystemdUnit(
                $"Scheduled pgBackRest {Name(type)} backup, on the primary only (datalyptica)", $"{ScriptPath} {type}", "root")
            {
                // Root for the metrics file; the script runs pgBackRest and psql as postgres (pgBackRest refuses root).
                Type = "oneshot",
                Restart = "no", // a failed backup waits for its next turn and shows in the metrics; no retry storm
                TimeoutStartSec = "infinity", // a full backup of a large cluster takes hours
                // pgBackRest's locks live in /tmp/pgbackrest: the job must see a manual backup's lock, and the other way round.
                PrivateTmp = false,
                WantedBy = null, // started by its timer only
            }.Render()) with { Kind = FileKind.SystemdUnit };
            yield return ctx.File(component, PlatformPaths.Timer(job),
                new SystemdTimer($"Scheduled pgBackRest {Name(type)} backup (datalyptica)", schedule, job + ".service").Render())
                with { Kind = FileKind.SystemdUnit };
        }
    }

    private static string Name(string type) => type switch { "diff" => "differential", Archive => "compliance copy (full, archive bucket)", _ => type };

    /// <summary>
    /// The job's script. Holds no secret: pgBackRest reads its keys from its own root:postgres 0640 configuration.
    /// Exit 0 without a backup on a standby; otherwise pgBackRest's exit code, after the metrics are written.
    /// </summary>
    private static string Script(RenderContext ctx)
    {
        var stanza = RemoteCommand.Quote(PostgresLayout.Stanza(ctx.Site));
        var port = ctx.Port(PostgreSQLComponent.Server);
        return $$"""
            #!/bin/sh
            # Generated by datalyptica: one scheduled pgBackRest backup (full or diff), started by its timer
            # (datalyptica-pgbackrest-TYPE.timer). Every PostgreSQL member has the timers; only the member that is the
            # primary when they fire backs up, so the schedule survives failovers. The outcome goes to node_exporter's
            # textfile folder: the PgBackRest* alerts read it.
            set -u
            type=${1:-}
            # full and diff go to the backups bucket (repo1); archive is the compliance copy, a full backup into repo2.
            case "$type" in full|diff) backup="--repo=1 --type=$type" ;; archive) backup="--repo=2 --type=full" ;; *) echo "usage: $0 full|diff|archive" >&2; exit 2 ;; esac
            stanza={{stanza}}
            metrics={{TextfileDir}}/datalyptica_pgbackrest_$type.prom
            cd /
            as_postgres() { runuser -u postgres -- "$@"; }
            role=$(as_postgres psql -h {{PostgresLayout.SocketDir}} -p {{port}} -d postgres -XtAq -c 'SELECT pg_is_in_recovery()' 2>&1)
            if [ "$role" != f ]; then
              echo "skipped: this member is not the primary (pg_is_in_recovery: $role); the primary's timer takes the $type backup"
              exit 0
            fi
            started=$(date +%s)
            # The first scheduled run after a deployment creates the stanza where a repository lacks it (info's status 1:
            # missing stanza path, 3: missing stanza data). Only then: stanza-create takes the archive lock, which the
            # asynchronous archiver may hold.
            rc=0
            if as_postgres pgbackrest --stanza="$stanza" --output=json info 2>&1 | grep -Eq {{PgBackRest.StanzaMissingPattern}}; then
              as_postgres pgbackrest --stanza="$stanza" stanza-create || rc=$?
            fi
            [ "$rc" -eq 0 ] && { as_postgres pgbackrest --stanza="$stanza" $backup backup; rc=$?; }
            finished=$(date +%s)
            # The newest success survives a failed run (and a restart of node_exporter): it is read back from the file.
            success=$(sed -n 's/^{{LastSuccessMetric}}{[^}]*} //p' "$metrics" 2>/dev/null)
            [ "$rc" -eq 0 ] && success=$finished
            labels="stanza=\"$stanza\",type=\"$type\""
            {
              echo "# HELP {{LastRunMetric}} When this member last ran a scheduled pgBackRest backup as the primary."
              echo "# TYPE {{LastRunMetric}} gauge"
              echo "{{LastRunMetric}}{$labels} $finished"
              echo "# HELP {{LastSuccessMetric}} When a scheduled pgBackRest backup last succeeded on this member (0: never)."
              echo "# TYPE {{LastSuccessMetric}} gauge"
              echo "{{LastSuccessMetric}}{$labels} ${success:-0}"
              echo "# HELP {{LastExitCodeMetric}} pgBackRest's exit code in the last scheduled run (0: success)."
              echo "# TYPE {{LastExitCodeMetric}} gauge"
              echo "{{LastExitCodeMetric}}{$labels} $rc"
              echo "# HELP {{LastDurationMetric}} How long the last scheduled run took."
              echo "# TYPE {{LastDurationMetric}} gauge"
              echo "{{LastDurationMetric}}{$labels} $((finished - started))"
            } > "$metrics.$$" && chmod 0644 "$metrics.$$" && mv "$metrics.$$" "$metrics"
            exit "$rc"

            """;
    }

    /// <summary>
    /// Backup and WAL archiving alerts. The metrics are per member (whichever was primary ran the job), so the newest
    /// across members is the cluster's. The archiver's counters come from postgres_exporter (pg_stat_archiver_*), and only
    /// the primary archives: the join on host keeps the member Patroni reports primary.
    /// </summary>
    public static IEnumerable<AlertRule> Alerts(RenderContext ctx)
    {
        var full = PostgreSQLSettings.FullMaxAgeHours.Read(ctx.Site);
        var any = PostgreSQLSettings.BackupMaxAgeHours.Read(ctx.Site);
        yield return new("PgBackRestFullBackupTooOld",
            $"time() - max({LastSuccessMetric}{{job=\"node\",type=\"full\"}}) > {full * 3600}", "10m", Critical,
            "newest full backup too old",
            $"No scheduled full backup has succeeded for more than {full} h ({PostgreSQLSettings.FullMaxAgeHours.Key}). Differential backups and point-in-time recovery depend on it.")
        {
            Proof = AgeProof("full", full),
        };
        yield return new("PgBackRestBackupTooOld",
            $"time() - max({LastSuccessMetric}{{job=\"node\",type=~\"full|diff\"}}) > {any * 3600}", "10m", Warning,
            "newest backup too old",
            $"No scheduled backup (full or differential) has succeeded for more than {any} h ({PostgreSQLSettings.BackupMaxAgeHours.Key}).")
        {
            Proof = AgeProof("diff", any),
        };
        yield return new("PgBackRestNeverBackedUp",
            $"absent({LastSuccessMetric}{{job=\"node\"}} > 0)", $"{full}h", Warning,
            "no scheduled backup has ever succeeded",
            $"No member reports a successful scheduled backup for {full} h. Check: systemctl list-timers 'datalyptica-pgbackrest-*' on a PostgreSQL member.")
        {
            // Only an unrelated series, then one success at 100 s after the epoch.
            Proof = new(AlertProof.Steady(full + 2, ("up{job=\"node\",host=\"pg01\"}", 1)),
                        AlertProof.Steady(full + 2, ($"{LastSuccessMetric}{{job=\"node\",host=\"pg01\",type=\"full\"}}", 100)))
            { At = $"{full + 1}h", Interval = "1h" },
        };
        // The newest run anywhere failed: its run time is newer than every success of that type.
        yield return new("PgBackRestScheduledBackupFailed",
            $"max by (type) ({LastRunMetric}{{job=\"node\"}}) > max by (type) ({LastSuccessMetric}{{job=\"node\"}})", "0m", Critical,
            "the last scheduled backup failed",
            "The newest scheduled {{ $labels.type }} backup failed. Check: journalctl -u datalyptica-pgbackrest-{{ $labels.type }} on the member that was primary.")
        {
            // The last run (at 200 s) newer than the last success (100 s), then a run that succeeded.
            Proof = new(
                AlertProof.Steady(($"{LastRunMetric}{{job=\"node\",host=\"pg01\",type=\"diff\"}}", 200), ($"{LastSuccessMetric}{{job=\"node\",host=\"pg01\",type=\"diff\"}}", 100)),
                AlertProof.Steady(($"{LastRunMetric}{{job=\"node\",host=\"pg01\",type=\"diff\"}}", 200), ($"{LastSuccessMetric}{{job=\"node\",host=\"pg01\",type=\"diff\"}}", 200))),
        };
        if (TypesOn(ctx.Site).Contains(Archive))
        {
            var archive = PostgreSQLSettings.ArchiveMaxAgeHours.Read(ctx.Site);
            yield return new("PgBackRestComplianceCopyTooOld",
                $"time() - max({LastSuccessMetric}{{job=\"node\",type=\"{Archive}\"}}) > {archive * 3600}", "10m", Warning,
                "newest compliance copy too old",
                $"No compliance copy (full backup into the archive bucket) has succeeded for more than {archive} h ({PostgreSQLSettings.ArchiveMaxAgeHours.Key}). " +
                $"Check: journalctl -u {Job(Archive)} on the member that was primary on the 1st.")
            {
                Proof = AgeProof(Archive, archive),
            };
        }
        yield return new("PostgreSQLWalArchivingFailing",
            "rate(pg_stat_archiver_failed_count{job=\"postgres\"}[5m]) > 0 and on(host) patroni_primary{job=\"patroni\"} == 1", "10m", Critical,
            "WAL archiving is failing",
            "{{ $labels.host }} cannot archive WAL to the backups bucket: point-in-time recovery has a gap and pg_wal grows. Check: pgbackrest --stanza=STANZA check.")
        {
            // Failures rising on the primary, then on a replica (which does not archive, and whose counter is stale).
            Proof = new(
                [$"pg_stat_archiver_failed_count{{job=\"postgres\",host=\"pg01\"}} 0+1x{AlertProof.Samples}", $"patroni_primary{{job=\"patroni\",host=\"pg01\"}} 1x{AlertProof.Samples}"],
                [$"pg_stat_archiver_failed_count{{job=\"postgres\",host=\"pg02\"}} 0+1x{AlertProof.Samples}", $"patroni_primary{{job=\"patroni\",host=\"pg02\"}} 0x{AlertProof.Samples}",
                 $"patroni_primary{{job=\"patroni\",host=\"pg01\"}} 1x{AlertProof.Samples}"]),
        };
    }

    /// <summary>
    /// A backup of <paramref name="type"/> that succeeded at 0 s after the epoch, then one that succeeded an hour before
    /// the evaluation. Sampled and evaluated hourly (a month of minutes would take promtool long): the condition first
    /// holds at <paramref name="maxAgeHours"/> + 1 h and fires at the next evaluation, past its 10 minutes.
    /// </summary>
    private static AlertProof AgeProof(string type, int maxAgeHours)
    {
        var series = $"{LastSuccessMetric}{{job=\"node\",host=\"pg01\",type=\"{type}\"}}";
        return new(AlertProof.Steady(maxAgeHours + 3, (series, 0)), AlertProof.Steady(maxAgeHours + 3, (series, (maxAgeHours + 1) * 3600.0)))
            { At = $"{maxAgeHours + 2}h", Interval = "1h" };
    }
}

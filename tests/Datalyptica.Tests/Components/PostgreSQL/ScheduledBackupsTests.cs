using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Components.PostgreSQL;
using Datalyptica.Contracts.Formats;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;
using Datalyptica.Profiles;
using Datalyptica.Rendering;
using Datalyptica.Restarts;
using Datalyptica.Tests.Components.Patroni;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.PostgreSQL;

/// <summary>
/// The scheduled backups' files and how apply manages them: a timer per backup type on every PostgreSQL member, the
/// job itself never started by apply or restart. The script runs for real against PostgreSQL and pgBackRest in
/// PgBackRestOnS3rverTests; the alerts in PrometheusRendererTests (promtool).
/// </summary>
public class ScheduledBackupsTests
{
    /// <summary>Forms systemd-analyze calendar (systemd 252) accepts, and values it refuses that must not reach a unit.</summary>
    public static TheoryData<string> Valid => new()
    {
        "Sun *-*-* 01:00:00", "Mon..Sat *-*-* 01:00:00", "daily", "weekly", "Mon", "*-*-01 02:00", "Mon,Wed 03:30", "*:0/15",
        "2026-12-24 18:00 UTC", "Sat,Sun 20..23:00", "*-*~01", "Monday *-*-* 1:00",
    };

    public static TheoryData<string> Refused => new()
    {
        "a b", "a,b", "*", "", " daily", "daily\n", "Sun *-*-* 01:00:00\n", "daily\nExecStart=/bin/sh", "%h *-*-* 01:00", "Sun *-*-* 01:00:00; rm -rf /", "$(id)",
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Calendar_events_systemd_accepts_are_accepted(string calendar)
    {
        Tool.Run("systemd-analyze", ["calendar", calendar]).ExitCode.ShouldBe(0, calendar);
        SystemdTimer.IsCalendarEvent(calendar).ShouldBeTrue(calendar);
        PostgreSQLSettings.FullSchedule.Check(calendar).ShouldBeNull();
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void Values_that_are_no_calendar_event_are_refused_before_they_reach_a_unit(string value)
    {
        SystemdTimer.IsCalendarEvent(value).ShouldBeFalse(value);
        PostgreSQLSettings.DiffSchedule.Check(value).ShouldNotBeNull();
        Should.Throw<ArgumentException>(() => new SystemdTimer("x", value, "x.service").Render());
        if (!value.Contains('\n')) Tool.Run("systemd-analyze", ["calendar", value]).ExitCode.ShouldNotBe(0, value);
    }

    [Fact]
    public void Every_member_gets_a_timer_per_backup_type_with_the_sites_schedule_and_a_job_that_is_never_enabled()
    {
        var site = PgSites.WithSiteVar(RenderedSites.Production.Site, PostgreSQLSettings.DiffSchedule.Key, "Tue,Thu *-*-* 03:30:00");
        var members = site.HostsWith(PostgreSQLComponent.Member).ToList();
        members.Count.ShouldBeGreaterThan(1);
        foreach (var host in members)
        {
            var files = PgSites.Files(site, host.Name);
            foreach (var (type, schedule) in new[] { ("full", PostgreSQLSettings.FullSchedule.Default!), ("diff", "Tue,Thu *-*-* 03:30:00") })
            {
                var timer = files.Single(f => f.Path == $"/etc/systemd/system/datalyptica-pgbackrest-{type}.timer");
                timer.Content.ShouldContain($"OnCalendar={schedule}\n");
                timer.Content.ShouldContain($"Unit=datalyptica-pgbackrest-{type}.service\n");
                timer.Content.ShouldContain("WantedBy=timers.target");
                var job = files.Single(f => f.Path == $"/etc/systemd/system/datalyptica-pgbackrest-{type}.service").Content;
                job.ShouldContain($"ExecStart={ScheduledBackups.ScriptPath} {type}\n");
                job.ShouldContain("Type=oneshot\n");
                job.ShouldContain("TimeoutStartSec=infinity\n");
                job.ShouldContain("PrivateTmp=no\n");
                job.ShouldNotContain("[Install]");
            }
        }
        site.Hosts.Where(h => !h.Has(PostgreSQLComponent.Member))
            .SelectMany(h => PgSites.Files(site, h.Name)).ShouldNotContain(f => f.Path == ScheduledBackups.ScriptPath || f.Path.Contains("datalyptica-pgbackrest", StringComparison.Ordinal));
    }

    [Fact]
    public void Apply_keeps_the_timers_running_and_restarts_them_for_their_files_and_restart_leaves_the_jobs_alone()
    {
        var site = ProfileExpander.Expand(BuiltInProfiles.Production, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qk");
        var member = site.HostsWith(PostgreSQLComponent.Member).First();
        var services = DesiredStateBuilder.Build(site, SiteRenderer.Render(site), ArtifactCatalog.FromSite(site))
            .Single(h => h.Host == member.Name).Resources.Select(r => r.Resource).OfType<SystemdServiceResource>().ToList();
        foreach (var type in ScheduledBackups.Types)
        {
            var job = ScheduledBackups.Job(type);
            services.ShouldNotContain(s => s.Unit == job, "apply never starts a backup job itself");
            var timer = services.Single(s => s.Unit == job + ".timer");
            timer.State.ShouldBe(ServiceState.Running);
            timer.UnitFiles.ShouldBe([$"file:/etc/systemd/system/{job}.service", $"file:/etc/systemd/system/{job}.timer"], ignoreOrder: true);
            timer.Inputs.ShouldContain($"file:{ScheduledBackups.ScriptPath}");
            timer.Inputs.ShouldNotContain($"file:{PgBackRest.ConfigPath}", "the timer does not read pgBackRest's file; the job reads it when it runs");
        }

        var restart = ComponentRestart.Members(site, ComponentCatalog.Find("postgresql")!, null);
        restart.SelectMany(m => m.Units).ShouldNotContain(u => u.StartedByTimer, "a rolling restart must not run a backup");
        restart.SelectMany(m => m.Units).ShouldContain(u => u.Name == "pgbackrest");
    }
}

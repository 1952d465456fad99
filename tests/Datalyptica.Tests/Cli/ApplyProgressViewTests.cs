using Datalyptica.Cli.Commands;
using Datalyptica.Engine.Apply;
using Datalyptica.Engine.Planning;
using Spectre.Console.Testing;

namespace Datalyptica.Tests.Cli;

/// <summary>Issue 17: apply's progress, fed the events PlanApplier sends, on a clock the test moves.</summary>
public sealed class ApplyProgressViewTests
{
    private DateTimeOffset _now = new(2026, 12, 7, 16, 0, 0, TimeSpan.Zero);

    private ApplyProgressView Started()
    {
        var view = new ApplyProgressView(() => _now);
        view.Begin([Layer.Prerequisites, Layer.Catalog]);
        view.LayerStarted(Layer.Catalog, new Dictionary<string, int> { ["db01"] = 2, ["db02"] = 1 });
        return view;
    }

    private static JournalEntry E(string @event, string? host = null, string? resource = null, int? exit = null) =>
        new(DateTimeOffset.UtcNow, "run", @event) { Host = host, Layer = "catalog", Resource = resource, Action = "+", ExitCode = exit };

    [Fact]
    public void Plain_lines_are_timestamped_and_say_each_hosts_end_each_failure_and_the_layers_end()
    {
        var view = Started();
        view.Record(E(ApplyJournal.ChangeStarted, "db01", "package:patroni"));
        _now = _now.AddSeconds(12);
        view.Record(E(ApplyJournal.ChangeDone, "db01", "package:patroni"));
        view.Record(E(ApplyJournal.ChangeStarted, "db02", "file:/etc/patroni.yml"));
        view.Record(E(ApplyJournal.ChangeFailed, "db02", "file:/etc/patroni.yml", exit: 2));
        view.Record(E(ApplyJournal.ChangeStarted, "db01", "service:patroni"));
        _now = _now.AddSeconds(3);
        view.Record(E(ApplyJournal.ChangeDone, "db01", "service:patroni"));
        view.Record(E(ApplyJournal.LayerDone));

        view.TakeLines().ShouldBe([
            "2026-12-07T16:00:00Z layer 2/2 catalog: 2 host(s), 3 change(s)",
            "2026-12-07T16:00:12Z db02: catalog FAILED at file:/etc/patroni.yml (exit 2) after 0 change(s)",
            "2026-12-07T16:00:15Z db01: catalog done, 2 change(s) in 15.0 s",
            "2026-12-07T16:00:15Z layer catalog done in 15.0 s: 1 of 2 host(s) ok",
        ]);
        view.TakeLines().ShouldBeEmpty();
    }

    [Fact]
    public void A_quiet_stretch_names_each_busy_host_and_its_current_change()
    {
        var view = Started();
        view.Record(E(ApplyJournal.ChangeStarted, "db01", "package:postgresql-15"));
        _now = _now.AddSeconds(75);
        view.StillBusyLine().ShouldBe("2026-12-07T16:01:15Z still on layer catalog (1 m 15 s): db01 at + package:postgresql-15 (1 m 15 s), db02 waiting");
    }

    [Fact]
    public void The_live_panel_shows_the_layer_counts_and_busy_hosts()
    {
        var view = Started();
        view.Record(E(ApplyJournal.ChangeStarted, "db01", "package:patroni"));
        _now = _now.AddSeconds(4);
        var console = new TestConsole().Width(160);
        console.Write(view.Panel());
        console.Output.ShouldContain("layer 2/2 catalog  hosts 0/2 done, changes 0/3");
        console.Output.ShouldContain("+ package:patroni");
        console.Output.ShouldContain("db02");
        console.Output.ShouldContain("waiting for its turn");
    }
}

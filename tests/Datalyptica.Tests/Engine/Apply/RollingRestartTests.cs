using Datalyptica.Engine.Apply;
using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;

namespace Datalyptica.Tests.Engine.Apply;

/// <summary>
/// Rolling restarts: members of a group restart one at a time, each waits until healthy, and a member that does not come
/// back stops the others. Steps are real shell commands on this machine (LocalTestTransport); time is read from the log
/// they write, not assumed.
/// </summary>
public sealed class RollingRestartTests : IDisposable
{
    private readonly TempRoot _site = new();
    private readonly string _log = Path.Combine(Path.GetTempPath(), $"dl-rolling-{Guid.NewGuid():N}.log");
    private static readonly string[] Members = ["m1", "m2", "m3"];

    public void Dispose() => File.Delete(_log);

    private ApplyOptions Options => new()
    {
        JournalDirectory = _site["/.datalyptica/journal"],
        Artifacts = new ArtifactStore(_site["/.datalyptica/artifacts"]),
        Parallelism = Members.Length, // every member could run at once: only the rolling group serialises them
    };

    private Plan PlanOf(Func<string, Change> changeFor) =>
        new("test", Members.Select(m => new HostPlan(m, [changeFor(m) with { Host = m, Layer = Layer.Coordination }])).ToList());

    private static Task<ApplyResult> ApplyAsync(Plan plan, ApplyOptions options) =>
        PlanApplier.ApplyAsync(plan, host => new LocalTestTransport(host), options, CancellationToken.None);

    [Fact]
    public async Task Members_of_a_rolling_group_restart_one_at_a_time_while_other_changes_run_in_parallel()
    {
        var plan = PlanOf(m => new Change(ChangeAction.Restart, "restart") with
        {
            ResourceId = "service:etcd", RollingGroup = "etcd",
            Steps = [PlanStep.Run($"echo \"start {m} $(date +%s%N)\" >> {_log}; sleep 0.3; echo \"end {m} $(date +%s%N)\" >> {_log}")],
        });

        var result = await ApplyAsync(plan, Options);

        result.Status.ShouldBe(ApplyStatus.Completed);
        var spans = Spans();
        spans.Count.ShouldBe(3);
        for (var i = 1; i < spans.Count; i++)
            spans[i].Start.ShouldBeGreaterThanOrEqualTo(spans[i - 1].End, $"{spans[i].Member} started before {spans[i - 1].Member} was done");

        // The same changes without a group overlap: the test would see it if the group were ignored.
        File.Delete(_log);
        await ApplyAsync(PlanOf(m => plan.Hosts.Single(h => h.Host == m).Changes[0] with { RollingGroup = null }), Options);
        var free = Spans();
        free.Skip(1).Any(s => s.Start < free[0].End).ShouldBeTrue("without a rolling group the members run at once");
    }

    [Fact]
    public async Task A_member_that_does_not_come_back_stops_the_rest_of_its_group()
    {
        var plan = PlanOf(m => new Change(ChangeAction.Restart, "restart") with
        {
            ResourceId = "service:zookeeper", RollingGroup = "zookeeper",
            Steps = [PlanStep.Run($"echo {m} >> {_log}"), PlanStep.Run(new RollingRestart("zookeeper", "false", TimeoutSeconds: 1).WaitCommand("zookeeper"))],
        });

        var result = await ApplyAsync(plan, Options);

        result.Status.ShouldBe(ApplyStatus.Failed);
        File.ReadAllLines(_log).ShouldHaveSingleItem("only the first member was restarted");
        var first = File.ReadAllText(_log).Trim();
        result.Failures.Single(f => f.Host == first).Stderr.ShouldContain("zookeeper restarted but did not answer healthy within 1 s");
        var refused = result.Failures.Where(f => f.Host != first).ToList();
        refused.Count.ShouldBe(2);
        refused.ShouldAllBe(f => f.Stderr.Contains("not restarted: another zookeeper member did not come back healthy"));
    }

    [Fact]
    public void A_restart_rolls_and_waits_but_a_first_start_does_not()
    {
        var service = new SystemdServiceResource("etcd", "etcd")
        {
            Inputs = ["file:/etc/datalyptica/etcd/etcd.conf.yml"],
            Rolling = new RollingRestart("etcd", "exit 0"),
        };
        var context = new PlanContext();
        context.Changed.Add("file:/etc/datalyptica/etcd/etcd.conf.yml");

        var restart = service.Plan(Facts(active: true), context).Changes.ShouldHaveSingleItem();
        restart.Action.ShouldBe(ChangeAction.Restart);
        restart.RollingGroup.ShouldBe("etcd");
        restart.Steps.Select(s => s.Text).ShouldBe(["systemctl restart etcd", new RollingRestart("etcd", "exit 0").WaitCommand("etcd")]);
        restart.Reason.ShouldContain("rolling: one etcd member at a time");

        // Members of a new cluster only become healthy once a majority runs: starting them one by one would never finish.
        var start = service.Plan(Facts(active: false), context).Changes.ShouldHaveSingleItem();
        start.RollingGroup.ShouldBeNull();
        start.Steps.Select(s => s.Text).ShouldBe(["systemctl start etcd"]);
    }

    [Fact]
    public void The_wait_command_passes_when_the_check_passes_and_fails_with_its_reason_when_it_never_does()
    {
        var ok = Tool("bash", "-c", new RollingRestart("g", "test -d /").WaitCommand("unit"));
        ok.ExitCode.ShouldBe(0);
        var never = Tool("bash", "-c", new RollingRestart("g", "exit 1", TimeoutSeconds: 1).WaitCommand("unit"));
        never.ExitCode.ShouldBe(1);
        never.Stderr.ShouldContain("unit restarted but did not answer healthy within 1 s; no other g member is restarted until it does");
    }

    private static Datalyptica.Tests.Rendering.Tool.Result Tool(string tool, params string[] args) => Datalyptica.Tests.Rendering.Tool.Run(tool, args);

    private static HostFacts Facts(bool active) =>
        FactParser.Parse($"unit\tetcd\tenabled\t{(active ? "active" : "inactive")}\n");

    private List<(string Member, long Start, long End)> Spans()
    {
        var lines = File.ReadAllLines(_log).Select(l => l.Split(' ')).ToList();
        return lines.Where(p => p[0] == "start").Select(p => (p[1], long.Parse(p[2]), long.Parse(lines.Single(e => e[0] == "end" && e[1] == p[1])[2])))
            .OrderBy(s => s.Item2).ToList();
    }
}

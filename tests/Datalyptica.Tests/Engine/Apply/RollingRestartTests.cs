using Datalyptica.Contracts;
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

    public void Dispose()
    {
        File.Delete(_log);
        foreach (var m in Members) File.Delete($"{_log}.{m}.srvr");
    }

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

    /// <summary>
    /// Each member answers like ZooKeeper's srvr (from a file per member, written by the test); the change's leader check
    /// reads that answer. The leader has no slow change before its restart, so without the ordering it would go first.
    /// </summary>
    private Plan RankedPlan(string leader, string stepsAfterRestart = "")
    {
        foreach (var m in Members)
            File.WriteAllText($"{_log}.{m}.srvr", $"Zookeeper version: 3.8.4\nMode: {(m == leader ? "leader" : "follower")}\n");
        return new("test", Members.Select(m => new HostPlan(m,
        [
            new Change(ChangeAction.Update, "slow file") { Host = m, Layer = Layer.Coordination, ResourceId = "file:/x",
                Steps = [PlanStep.Run(m == leader ? "true" : "sleep 0.5")] },
            new Change(ChangeAction.Restart, "restart") with
            {
                Host = m, Layer = Layer.Coordination, ResourceId = "service:zookeeper", RollingGroup = "zookeeper",
                RollingLeaderCheck = $"grep -q '^Mode: leader' {_log}.{m}.srvr",
                Steps = [PlanStep.Run($"echo {m} >> {_log}{stepsAfterRestart}")],
            },
        ])).ToList());
    }

    [Theory]
    [InlineData(3)]
    [InlineData(1)] // the leader gets the only host slot first: it must give it up while it waits, or the apply never ends
    public async Task Replicas_restart_first_and_the_member_that_answers_leader_last(int parallelism)
    {
        var result = await ApplyAsync(RankedPlan(leader: "m1"), Options with { Parallelism = parallelism }).WaitAsync(TimeSpan.FromSeconds(60));

        result.Status.ShouldBe(ApplyStatus.Completed);
        var order = File.ReadAllLines(_log);
        order.Length.ShouldBe(3);
        order[^1].ShouldBe("m1", $"restart order: {string.Join(", ", order)}");
        File.ReadAllText(result.JournalPath).ShouldContain("leads its zookeeper group: restarted after the other members");
    }

    [Fact]
    public async Task Without_a_leader_check_the_quick_member_goes_first_so_the_ordering_test_can_fail()
    {
        var plan = RankedPlan(leader: "m1");
        plan = plan with { Hosts = plan.Hosts.Select(h => h with { Changes = h.Changes.Select(c => c with { RollingLeaderCheck = null }).ToList() }).ToList() };

        (await ApplyAsync(plan, Options)).Status.ShouldBe(ApplyStatus.Completed);

        File.ReadAllLines(_log)[0].ShouldBe("m1");
    }

    [Fact]
    public async Task A_replica_that_does_not_come_back_stops_the_group_before_the_leader_is_restarted()
    {
        var result = await ApplyAsync(RankedPlan(leader: "m1", stepsAfterRestart: "; exit 1"), Options).WaitAsync(TimeSpan.FromSeconds(60));

        result.Status.ShouldBe(ApplyStatus.Failed);
        var restarted = File.ReadAllLines(_log).ShouldHaveSingleItem();
        restarted.ShouldNotBe("m1");
        result.Failures.Single(f => f.Host == "m1").Stderr.ShouldContain("not restarted: another zookeeper member did not come back healthy");
    }

    [Fact]
    public async Task A_leader_check_that_gets_no_answer_counts_as_a_replica()
    {
        var plan = RankedPlan(leader: "m1");
        File.Delete($"{_log}.m2.srvr"); // m2 does not answer at all; m3 answers follower

        (await ApplyAsync(plan, Options).WaitAsync(TimeSpan.FromSeconds(60))).Status.ShouldBe(ApplyStatus.Completed);

        File.ReadAllLines(_log)[^1].ShouldBe("m1");
    }

    [Fact]
    public void A_restart_carries_the_leader_check_and_says_the_leader_goes_last()
    {
        var service = new SystemdServiceResource("zookeeper", "zookeeper")
        {
            Inputs = ["file:/etc/zookeeper/conf/zoo.cfg"],
            Rolling = new RollingRestart("zookeeper", "exit 0") { LeaderCheck = "exit 1" },
        };
        var context = new PlanContext();
        context.Changed.Add("file:/etc/zookeeper/conf/zoo.cfg");

        var restart = service.Plan(Facts(active: true, "zookeeper"), context).Changes.ShouldHaveSingleItem();
        restart.RollingLeaderCheck.ShouldBe("exit 1");
        restart.Reason.ShouldContain("the leader last");
        service.Plan(Facts(active: false, "zookeeper"), context).Changes.ShouldHaveSingleItem().RollingLeaderCheck.ShouldBeNull();
    }

    private static Datalyptica.Tests.Rendering.Tool.Result Tool(string tool, params string[] args) => Datalyptica.Tests.Rendering.Tool.Run(tool, args);

    private static HostFacts Facts(bool active, string unit = "etcd") =>
        FactParser.Parse($"unit\t{unit}\tenabled\t{(active ? "active" : "inactive")}\n");

    private List<(string Member, long Start, long End)> Spans()
    {
        var lines = File.ReadAllLines(_log).Select(l => l.Split(' ')).ToList();
        return lines.Where(p => p[0] == "start").Select(p => (p[1], long.Parse(p[2]), long.Parse(lines.Single(e => e[0] == "end" && e[1] == p[1])[2])))
            .OrderBy(s => s.Item2).ToList();
    }
}

using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Apply;
using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;
using Datalyptica.Model;
using Datalyptica.Rendering;
using Datalyptica.Tests.Sites;

namespace Datalyptica.Tests.Engine.Planning;

/// <summary>
/// "Run once per version on one member before the others start" (a schema migration), declared through the contract
/// alone by a test component: placed on the first member of the role only, before its unit; the other members' units
/// await it in apply; a stamp with the version makes the next plan a no-op and a new version run it again.
/// </summary>
public sealed class OncePerClusterTests : IDisposable
{
    private static readonly MigratingComponent Migrating = new();
    private readonly TempRoot _root = new();
    private readonly string _log = Path.Combine(Path.GetTempPath(), $"dl-once-{Guid.NewGuid():N}.log");

    public void Dispose() { File.Delete(_log); _root.Dispose(); }

    private static SiteDir SiteWithMigrating() => SiteDir.Of()
        .Append("hosts.yml", "    migrating:", "      hosts:", "        app01:", "        app02:");

    [Fact]
    public void The_once_per_cluster_step_is_planned_on_the_first_member_only_before_its_unit_and_the_others_await_it()
    {
        using var dir = SiteWithMigrating();
        using (ComponentCatalog.Use([.. ComponentCatalog.BuiltIn, Migrating]))
        {
            var site = dir.Load().Site!;
            var desired = DesiredStateBuilder.Build(site, SiteRenderer.Render(site), ArtifactCatalog.Empty);
            var members = site.Hosts.Where(h => h.RoleGroups.Contains("migrating")).Select(h => h.Name).ToList();
            members.ShouldBe(["app01", "app02"]);

            var withStep = desired.Where(d => d.Resources.Any(r => r.Resource.Id == "command:migrate")).Select(d => d.Host).ToList();
            withStep.ShouldBe(["app01"], "exactly one host: the first member in inventory order");
            var first = desired.Single(d => d.Host == "app01").Resources.Where(r => r.Resource.Component == "migrating").ToList();
            var ids = first.Select(r => r.Resource.Id).ToList();
            ids.IndexOf("command:migrate").ShouldBeGreaterThan(ids.IndexOf($"file:{MigratingComponent.ConfigPath}"));
            ids.IndexOf("command:migrate").ShouldBeLessThan(ids.IndexOf("service:migrating"));
            first.Single(r => r.Resource.Id == "command:migrate").OpensBarrier.ShouldBe("migrating:migrate");
            first.Single(r => r.Resource.Id == "service:migrating").AwaitsBarriers.ShouldBeEmpty();
            foreach (var other in desired.Where(d => d.Host == "app02"))
                other.Resources.Single(r => r.Resource.Id == "service:migrating").AwaitsBarriers.ShouldBe(["migrating:migrate"]);

            // Planned on empty hosts: the step runs on app01, and the others' service changes carry the barrier.
            var plan = Planner.Build(site.Name, desired, _ => HostFacts.EmptyDebian12, new PlanOptions());
            var step = plan.Hosts.Single(h => h.Host == "app01").Changes.Single(c => c.ResourceId == "command:migrate");
            step.OpensBarrier.ShouldBe("migrating:migrate");
            step.Steps.Single().Text!.ShouldContain($"printf '%s\\n' 2.0.0 > {MigratingComponent.StampPath}");
            plan.Hosts.Where(h => h.Host != "app01").SelectMany(h => h.Changes).Count(c => c.AwaitsBarriers is ["migrating:migrate"]).ShouldBe(1);

            // Once the stamp says this version, the step is a no-op.
            var converged = desired.ToDictionary(d => d.Host, d => ConvergedFacts.For(d, new PlanOptions()));
            // (Only this component: without the vault here, files with secrets hash differently.)
            Planner.Build(site.Name, desired, h => converged[h], new PlanOptions()).Hosts.SelectMany(h => h.Changes)
                .ShouldNotContain(c => c.ResourceId == "command:migrate" || c.ResourceId == "service:migrating");
        }
    }

    [Fact]
    public async Task The_stamp_guard_runs_the_step_once_per_version()
    {
        var stamp = _root["/migrated-version"];
        var command = GuardedCommand.OncePerVersion("migrate", $"echo ran >> {_log}", stamp, "2.0.0", MigratingComponent.Server);
        command.When.ShouldBe(CommandPhase.BeforeServices);
        command.OnOneMemberOf.ShouldBe(MigratingComponent.Server);

        async Task<int> GuardAsync() => (await new LocalTestTransport("h").RunAsync(Datalyptica.Contracts.Hosts.RemoteCommand.Shell(command.Unless), CancellationToken.None)).ExitCode;
        (await GuardAsync()).ShouldNotBe(0, "no stamp yet");
        (await new LocalTestTransport("h").RunAsync(Datalyptica.Contracts.Hosts.RemoteCommand.Shell(command.Command), CancellationToken.None)).ExitCode.ShouldBe(0);
        File.ReadAllText(stamp).ShouldBe("2.0.0\n");
        (await GuardAsync()).ShouldBe(0, "the stamp says this version");

        var next = GuardedCommand.OncePerVersion("migrate", "true", stamp, "2.1.0", MigratingComponent.Server);
        (await new LocalTestTransport("h").RunAsync(Datalyptica.Contracts.Hosts.RemoteCommand.Shell(next.Unless), CancellationToken.None)).ExitCode
            .ShouldNotBe(0, "a new version runs it again");

        // A failed step leaves no stamp: the next apply runs it again.
        File.Delete(stamp);
        var failing = GuardedCommand.OncePerVersion("migrate", "false", stamp, "2.0.0", MigratingComponent.Server);
        (await new LocalTestTransport("h").RunAsync(Datalyptica.Contracts.Hosts.RemoteCommand.Shell(failing.Command), CancellationToken.None)).ExitCode.ShouldNotBe(0);
        File.Exists(stamp).ShouldBeFalse();
    }

    private ApplyOptions Options(int parallelism) => new()
    {
        JournalDirectory = _root["/.datalyptica/journal"],
        Artifacts = new ArtifactStore(_root["/.datalyptica/artifacts"]),
        Parallelism = parallelism,
    };

    private Plan BarrierPlan(string openerCommand) => new("test",
    [
        new HostPlan("m1", [new Change(ChangeAction.Create, "stamp missing") with
            { Host = "m1", Layer = Layer.Analytics, ResourceId = "command:migrate", OpensBarrier = "c:migrate", Steps = [PlanStep.Run(openerCommand)] },
            new Change(ChangeAction.Create, "start") with { Host = "m1", Layer = Layer.Analytics, ResourceId = "service:c", Steps = [PlanStep.Run($"echo start-m1 >> {_log}")] }]),
        .. new[] { "m2", "m3" }.Select(m => new HostPlan(m, [new Change(ChangeAction.Create, "start") with
            { Host = m, Layer = Layer.Analytics, ResourceId = "service:c", AwaitsBarriers = ["c:migrate"], Steps = [PlanStep.Run($"echo start-{m} >> {_log}")] }])),
    ]);

    [Theory]
    [InlineData(3)]
    [InlineData(1)] // one host slot: a waiter gives it up, or the opener could never run
    public async Task In_apply_the_other_members_start_only_after_the_step_succeeded(int parallelism)
    {
        var result = await PlanApplier.ApplyAsync(BarrierPlan($"sleep 0.4; echo migrated >> {_log}"), h => new LocalTestTransport(h), Options(parallelism), CancellationToken.None);

        result.Status.ShouldBe(ApplyStatus.Completed);
        var lines = File.ReadAllLines(_log);
        lines[0].ShouldBe("migrated", string.Join(", ", lines));
        lines.Order().ShouldBe(["migrated", "start-m1", "start-m2", "start-m3"]);
    }

    [Fact]
    public async Task A_failed_step_refuses_the_other_members_start()
    {
        var result = await PlanApplier.ApplyAsync(BarrierPlan("exit 3"), h => new LocalTestTransport(h), Options(3), CancellationToken.None);

        result.Status.ShouldBe(ApplyStatus.Failed);
        File.Exists(_log).ShouldBeFalse("no member started");
        result.Failures.Single(f => f.Host == "m1").ExitCode.ShouldBe(3);
        result.Failures.Where(f => f.Host != "m1").ShouldAllBe(f => f.Stderr.Contains("the once-per-cluster step c:migrate did not complete on m1"));
        result.Failures.Count.ShouldBe(3);
    }

    [Fact]
    public async Task A_limit_that_leaves_out_the_pending_step_refuses_the_others_instead_of_starting_them_unprepared()
    {
        var result = await PlanApplier.ApplyAsync(BarrierPlan($"echo migrated >> {_log}"), h => new LocalTestTransport(h),
            Options(3) with { Limit = new HashSet<string> { "m2" } }, CancellationToken.None);

        result.Status.ShouldBe(ApplyStatus.Failed);
        File.Exists(_log).ShouldBeFalse();
        result.Failures.Single().Stderr.ShouldContain("pending on m1, which this apply leaves out");
    }
}

/// <summary>A component with a schema migration: once per version, on the first member, before the units start.</summary>
internal sealed class MigratingComponent : ComponentDefinition
{
    public const string ConfigPath = "/etc/datalyptica/migrating/app.conf";
    public const string StampPath = "/var/lib/datalyptica/migrating/migrated-version";
    public static readonly RoleDefinition Server = Role("migrating", "migrating server", new(0.1, 0.1), new(1));

    public override string Id => "migrating";
    public override string DisplayName => "Migrating";
    public override Tier Tier => Tier.Analytics;
    public override string DefaultVersion => "2.0.0";
    public override InstallSource Install => InstallSource.DistroPackage;
    public override IReadOnlyList<RoleDefinition> Roles => [Server];
    public override ComponentLifecycle Lifecycle { get; } = new()
    {
        Account = ServiceAccount.Own("migrating", "Migrating service"),
        Units = [new("migrating", UnitSource.Rendered, OnConfigChange.Restart)],
        Commands = (site, _) => [GuardedCommand.OncePerVersion("migrate", "/usr/bin/migrating db upgrade", StampPath, site.Versions.GetValueOrDefault("migrating", "2.0.0"), Server)],
    };
    public override IComponentRenderer? Renderer { get; } = new MigratingRenderer();
}

internal sealed class MigratingRenderer : IComponentRenderer
{
    public IEnumerable<RenderedFile> Render(RenderContext ctx)
    {
        yield return new RenderedFile("migrating", MigratingComponent.ConfigPath, "db = x\n");
        yield return new RenderedFile("migrating", PlatformPaths.Unit("migrating"), "[Service]\nExecStart=/usr/bin/migrating\n") { Kind = FileKind.SystemdUnit };
    }
}

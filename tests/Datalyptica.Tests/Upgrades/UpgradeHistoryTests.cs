using Datalyptica.Components;
using Datalyptica.Engine.Apply;
using Datalyptica.Tests.Rendering;
using Datalyptica.Upgrades;

namespace Datalyptica.Tests.Upgrades;

/// <summary>`upgrade --rollback`: the version to go back to, read from journals written as the upgrade verb writes them.</summary>
public sealed class UpgradeHistoryTests : IDisposable
{
    private readonly string _journal = Directory.CreateTempSubdirectory("dl-upgrade-journal-").FullName;
    private static readonly IReadOnlyList<UpgradeMember> Members =
        PackageUpgrade.Members(RenderedSites.Production.Site, ComponentCatalog.Get("postgresql"), null)
            .Select(m => new UpgradeMember(m, new Dictionary<string, string>())).ToList();

    public void Dispose() => Directory.Delete(_journal, recursive: true);

    /// <summary>One upgrade run: its members moving from the given versions (one per member), completed or not.</summary>
    private void Run(string component, string to, bool completed, params string[] from)
    {
        Thread.Sleep(5); // runs are ordered by their start time, to the millisecond
        using var journal = new ApplyJournal(_journal, $"upgrade-{ApplyJournal.NewRunId()}");
        journal.Write(ApplyJournal.RunStarted, e => e with { Message = $"upgrade {component} to {to}" });
        for (var i = 0; i < from.Length; i++)
        {
            var member = Members[i] with { Installed = new Dictionary<string, string> { ["postgresql-16"] = from[i], ["postgresql-client-16"] = from[i] } };
            journal.Write(UpgradeHistory.FromEvent, e => UpgradeHistory.From(e, component, member, to));
        }
        journal.Write(completed ? ApplyJournal.RunCompleted : ApplyJournal.RunFailed);
    }

    private (string? Version, string? Problem) Target(string component = "postgresql") => UpgradeHistory.RollbackTarget(_journal, component);

    [Fact]
    public void The_target_is_what_the_members_ran_before_the_newest_completed_upgrade_that_moved_one()
    {
        Target().Problem.ShouldNotBeNull().ShouldContain("records no completed upgrade of postgresql");
        Run("postgresql", "16.4-1", completed: true, "16.2-1", "16.2-1", "16.2-1");
        Target().ShouldBe(("16.2-1", null));

        Run("postgresql", "16.4-1", completed: true); // "already runs 16.4-1": moved nothing
        Run("postgresql", "16.6-1", completed: false, "16.4-1"); // stopped at its first member
        Run("haproxy", "2.6.12-1", completed: true, "2.6.10-1");
        Target().ShouldBe(("16.2-1", null));
        Target("haproxy").ShouldBe(("2.6.10-1", null));

        // A roll back is an upgrade too: undoing it goes forward again.
        Run("postgresql", "16.2-1", completed: true, "16.4-1", "16.4-1");
        Target().ShouldBe(("16.4-1", null));
    }

    [Fact]
    public void Members_that_ran_different_versions_before_have_no_one_version_to_go_back_to()
    {
        Run("postgresql", "16.4-1", completed: true, "16.2-1", "16.3-1");
        var (version, problem) = Target();
        version.ShouldBeNull();
        problem.ShouldNotBeNull().ShouldContain("ran different versions");
        problem.ShouldContain($"{Members[0].Member.Host.Name}: 16.2-1");
        problem.ShouldContain("datalyptica upgrade SITE postgresql VERSION");
    }
}

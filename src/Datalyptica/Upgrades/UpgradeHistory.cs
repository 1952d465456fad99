using Datalyptica.Engine.Apply;

namespace Datalyptica.Upgrades;

/// <summary>
/// What `upgrade --rollback` goes back to, read from the control node's journal: each upgrade run records, for every
/// member it is about to move, the version the member ran before (<see cref="FromEvent"/>). The roll back target is that
/// version in the newest upgrade of the component that completed and moved a member.
/// </summary>
public static class UpgradeHistory
{
    public const string FromEvent = "upgrade-from";

    /// <summary>The journal entry for a member about to move: its component, the version it runs now and the one it goes to.</summary>
    public static JournalEntry From(JournalEntry entry, string component, UpgradeMember member, string version) => entry with
    {
        Host = member.Member.Host.Name,
        Resource = component,
        Action = version,
        // One version when all of the component's packages are at it (the usual case); else each package's, which no
        // roll back can name as one version.
        Message = member.Installed.Values.Distinct().Count() == 1 ? member.Installed.Values.First() : member.InstalledText,
    };

    /// <summary>The version to roll <paramref name="component"/> back to, or why there is none.</summary>
    public static (string? Version, string? Problem) RollbackTarget(string journalDirectory, string component)
    {
        var last = ApplyJournal.ReadRuns(journalDirectory)
            .Where(run => run.Count > 0 && run[0].RunId.StartsWith("upgrade-", StringComparison.Ordinal))
            .Where(run => run.Any(e => e.Event == ApplyJournal.RunCompleted) && run.Any(e => e.Event == FromEvent && e.Resource == component))
            .MaxBy(run => run[0].Time);
        if (last is null)
            return (null, $"the journal ({journalDirectory}) records no completed upgrade of {component} that moved a member, so there is nothing to roll back. " +
                          $"Fix: name the version to go to: datalyptica upgrade SITE {component} VERSION.");
        var from = last.Where(e => e.Event == FromEvent && e.Resource == component).ToList();
        var versions = from.Select(e => e.Message).Distinct().ToList();
        if (versions is [{ } version] && Contracts.SettingPatterns.DebianVersion.IsMatch(version)) return (version, null);
        return (null, $"before the last upgrade of {component} (run {last[0].RunId}) its members ran different versions " +
                      $"({string.Join("; ", from.Select(e => $"{e.Host}: {e.Message}"))}), so no one version undoes it. " +
                      $"Fix: name the version to go to: datalyptica upgrade SITE {component} VERSION.");
    }
}

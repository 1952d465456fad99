using Datalyptica.Engine.Resources;

namespace Datalyptica.Snapshots;

public enum SnapshotChangeKind { Added, Changed, Removed }

/// <summary>One path that differs between two snapshots (or the hosts and the last snapshot); <see cref="Diff"/> for text that changed.</summary>
public sealed record SnapshotChange(string Path, SnapshotChangeKind Kind)
{
    public string? Diff { get; init; }

    /// <summary>
    /// What the hosts hold now against the last snapshot, within what the capture covers (a host not reached, or a live
    /// setting not read, shows no difference). Both sides are masked already.
    /// </summary>
    public static IReadOnlyList<SnapshotChange> Between(IReadOnlyDictionary<string, string> last, Snapshot now)
    {
        var changes = new List<SnapshotChange>();
        foreach (var (path, text) in now.Files)
        {
            if (!last.TryGetValue(path, out var before)) changes.Add(new SnapshotChange(path, SnapshotChangeKind.Added));
            else if (before != text) changes.Add(new SnapshotChange(path, SnapshotChangeKind.Changed) { Diff = UnifiedDiff.Of(before, text, "snapshot/" + path, "now/" + path) });
        }
        foreach (var path in last.Keys.Where(p => !now.Files.ContainsKey(p) && (now.Covers(p) || now.Obsolete(p))))
            changes.Add(new SnapshotChange(path, SnapshotChangeKind.Removed));
        return changes.OrderBy(c => c.Path, StringComparer.Ordinal).ToList();
    }
}

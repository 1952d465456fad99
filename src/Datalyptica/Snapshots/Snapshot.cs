namespace Datalyptica.Snapshots;

/// <summary>
/// One capture of a site, as the snapshot repository stores it: text per path (hosts/HOST/etc/..., live/COMPONENT/...),
/// every secret already turned back into its placeholder or masked.
/// </summary>
/// <param name="Files">Path in the repository → text.</param>
/// <param name="Replaced">
/// What this capture stands for whole: a folder (ending in '/') or a file. Whatever the repository holds there and the
/// capture does not is gone. A host that could not be reached is not among them, so its last snapshot stays.
/// </param>
/// <param name="SiteHosts">Every host of the site: a host folder of a host the site no longer has is removed.</param>
/// <param name="SiteComponents">Every component the site deploys: live settings of one it no longer deploys are removed.</param>
public sealed record Snapshot(
    IReadOnlyDictionary<string, string> Files,
    IReadOnlyList<string> Replaced,
    IReadOnlySet<string> SiteHosts,
    IReadOnlySet<string> SiteComponents)
{
    public IReadOnlyList<SnapshotProblem> Problems { get; init; } = [];

    /// <summary>Hosts whose files were read.</summary>
    public int HostsCaptured { get; init; }

    /// <summary>Live settings read (one per file).</summary>
    public int LiveCaptured { get; init; }

    public const string HostsFolder = "hosts/";
    public const string LiveFolder = "live/";

    /// <summary>Whether <paramref name="path"/> is among what this capture replaces.</summary>
    public bool Covers(string path) => Replaced.Any(r => r.EndsWith('/') ? path.StartsWith(r, StringComparison.Ordinal) : path == r);

    /// <summary>Whether a path of an earlier snapshot belongs to a host or component the site no longer has.</summary>
    public bool Obsolete(string path)
    {
        var parts = path.Split('/');
        if (parts.Length < 2) return false;
        return (parts[0] + "/") switch
        {
            HostsFolder => !SiteHosts.Contains(parts[1]),
            LiveFolder => !SiteComponents.Contains(parts[1]),
            _ => false,
        };
    }
}

/// <summary>Something a capture could not read. <see cref="HostMissed"/>: the host was not reached (its files are the last snapshot's).</summary>
public sealed record SnapshotProblem(string Where, string Message, bool HostMissed);

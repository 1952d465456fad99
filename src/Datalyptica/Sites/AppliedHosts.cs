using Datalyptica.Model;
using Datalyptica.Validation;

namespace Datalyptica.Sites;

/// <summary>
/// The hosts this site has applied to, kept on the control node (SITE/.datalyptica/hosts-applied, one name a line).
/// A host's own ownership records say what to delete on it, but a host taken out of the inventory file is no longer
/// planned at all: this list is how plan notices one, and says how to take it out properly (`hosts remove`), instead
/// of leaving its services running unseen. Apply adds the hosts it changed; `hosts remove` takes its host out.
/// </summary>
public static class AppliedHosts
{
    public const string FileName = "hosts-applied";

    public static string PathIn(string siteDirectory) => Path.Combine(siteDirectory, ".datalyptica", FileName);

    /// <summary>The names on record (lines that are not host names are ignored: the file is only ever read, never run).</summary>
    public static IReadOnlyList<string> Read(string siteDirectory)
    {
        var path = PathIn(siteDirectory);
        return File.Exists(path)
            ? File.ReadAllLines(path).Select(l => l.Trim()).Where(HostIdentityRule.IsHostLabel).Distinct(StringComparer.Ordinal).ToList()
            : [];
    }

    public static void Add(string siteDirectory, IEnumerable<string> hosts) =>
        Write(siteDirectory, Read(siteDirectory).Concat(hosts).Distinct(StringComparer.Ordinal));

    public static void Remove(string siteDirectory, string host)
    {
        var now = Read(siteDirectory);
        if (now.Contains(host, StringComparer.Ordinal)) Write(siteDirectory, now.Where(h => h != host));
    }

    /// <summary>Hosts applied to from this site that its inventory no longer has, each with what to do.</summary>
    public static IReadOnlyList<string> Warnings(string siteDirectory, Site site)
    {
        var inventory = site.Hosts.Select(h => h.Name).ToHashSet(StringComparer.Ordinal);
        return Read(siteDirectory).Where(h => !inventory.Contains(h)).Select(h =>
            $"{h} was applied to from this site and is no longer in its inventory, so plan no longer reaches it: what datalyptica " +
            $"installed there still runs. Fix: put {h} back in the inventory and take it out with `datalyptica hosts remove {siteDirectory} {h}` " +
            $"(or `--host-gone` when the VM is lost), or wipe the VM and delete its line from {PathIn(siteDirectory)}.").ToList();
    }

    private static void Write(string siteDirectory, IEnumerable<string> hosts)
    {
        var path = PathIn(siteDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        IO.AtomicFile.Write(path, string.Concat(hosts.Order(StringComparer.Ordinal).Select(h => h + "\n")), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}

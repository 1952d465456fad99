using Datalyptica.Model;

namespace Datalyptica.Validation;

/// <summary>
/// Every place a variable is set in a site, once: group_vars/all first (<c>SiteWide</c>), then the other groups, then the
/// hosts. A host's merged vars repeat the values of its groups; a value is the same occurrence wherever it shows up when
/// it comes from the same file and line.
/// </summary>
internal static class SiteOccurrences
{
    public static IEnumerable<(string Key, Setting Setting, bool SiteWide)> Of(Site site)
    {
        var seen = new HashSet<(string Key, string? File, int Line)>();
        var all = site.Vars.Select(kv => (kv.Key, kv.Value, SiteWide: true))
            .Concat(site.GroupVars.Values.SelectMany(v => v).Select(kv => (kv.Key, kv.Value, SiteWide: false)))
            .Concat(site.Hosts.SelectMany(h => h.Vars).Select(kv => (kv.Key, kv.Value, SiteWide: false)));
        foreach (var (key, setting, siteWide) in all)
            if (seen.Add((key, setting.Source?.File, setting.Source?.Line ?? 0)))
                yield return (key, setting, siteWide);
    }
}

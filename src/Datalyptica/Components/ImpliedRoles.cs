using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components;

/// <summary>
/// Roles no inventory names: a role with <see cref="RoleDefinition.OnEveryHostWith"/> is taken by every host of a site
/// where some host has that other role, and by none otherwise (Alloy, the log shipper, on every host of a site with Loki,
/// the way node exporter is on every host). Placed when a site is built (<see cref="Sites.SiteLoader"/>,
/// <see cref="Profiles.ProfileExpander"/>), so membership stays what it is everywhere else: a host's role groups. The
/// group is derived, never read: a host listed under it in an inventory gets it only if the site has the other role,
/// and <see cref="Sites.SiteWriter"/> does not write it.
/// </summary>
public static class ImpliedRoles
{
    /// <summary>The catalog's implied roles.</summary>
    public static IEnumerable<RoleDefinition> All => ComponentCatalog.All.SelectMany(c => c.Roles).Where(r => r.OnEveryHostWith is not null);

    public static bool IsImplied(string group) => All.Any(r => r.Group == group);

    /// <summary>The hosts with each implied role added where the site has its trigger role, and removed where it does not.</summary>
    public static IReadOnlyList<Host> Place(IReadOnlyList<Host> hosts)
    {
        var implied = All.ToList();
        if (implied.Count == 0) return hosts;
        var impliedGroups = implied.Select(r => r.Group).ToHashSet(StringComparer.Ordinal);
        var taken = implied.Where(r => hosts.Any(h => h.Has(r.OnEveryHostWith!))).Select(r => r.Group).Distinct().ToList();
        return hosts.Select(h =>
        {
            var groups = h.RoleGroups.Where(g => !impliedGroups.Contains(g)).Concat(taken).ToList();
            return groups.SequenceEqual(h.RoleGroups, StringComparer.Ordinal) ? h : h with { RoleGroups = groups };
        }).ToList();
    }
}

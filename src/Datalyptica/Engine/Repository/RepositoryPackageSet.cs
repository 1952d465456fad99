using Datalyptica.Components;
using Datalyptica.Model;

namespace Datalyptica.Engine.Repository;

/// <summary>The Debian packages a site's hosts install: the OS base layer's plus every deployed component's.</summary>
public static class RepositoryPackageSet
{
    public static IReadOnlyList<string> For(Site site)
    {
        ArgumentNullException.ThrowIfNull(site);
        return Normalise(OsBase.DebianPackages.Concat(site.Components.SelectMany(c => c.DebianPackagesOn(site))));
    }

    /// <summary>Every package any component can need (a repository that serves any site).</summary>
    public static IReadOnlyList<string> All() =>
        Normalise(OsBase.DebianPackages.Concat(ComponentCatalog.All.SelectMany(c => c.DebianPackages)));

    public static IReadOnlyList<string> Normalise(IEnumerable<string> packages) =>
        packages.Select(p => p.Trim()).Where(p => p.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
}

using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Engine.Repository;
using Datalyptica.Model;

namespace Datalyptica.Validation;

/// <summary>
/// A pin (<see cref="PackagePins"/>) must name a package the site installs (the OS base layer's or a deployed component's):
/// a misspelt name would otherwise pin nothing, and the host would quietly get the source's newest.
/// </summary>
public sealed class PackagePinRule : IValidationRule
{
    public IEnumerable<Diagnostic> Check(Site site)
    {
        var pins = PackagePins.Of(site);
        if (pins.Count == 0) yield break;
        var installed = RepositoryPackageSet.For(site).ToHashSet(StringComparer.Ordinal);
        foreach (var name in pins.Keys.Where(n => !installed.Contains(n)))
            yield return new Diagnostic(FindingCodes.PackagePinUnused,
                $"{PackagePins.SiteKey} pins {name}, but no component of this site installs a package of that name.",
                (DidYouMean.Suggest(name, installed) is { } near ? $"did you mean {near}? " : "") +
                $"Pin one of the packages the site installs ({string.Join(", ", installed.Order(StringComparer.Ordinal))}) or remove the pin.",
                site.Var(PackagePins.SiteKey)?.Source ?? site.Source, $"{PackagePins.SiteKey}.{name}");
    }
}

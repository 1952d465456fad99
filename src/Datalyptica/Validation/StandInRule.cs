using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Engine.Artifacts;
using Datalyptica.Engine.Planning;
using Datalyptica.Model;

namespace Datalyptica.Validation;

/// <summary>
/// A stand-in (the lab's release-faithful stand-in for a release archive, docs/ARTIFACTS.md) never reaches a host of a
/// site that is not a lab: a site of any other environment whose artifact store holds a stand-in for an artifact it
/// installs is refused, naming the artifact, the file and the fix. Only the store's markers are read (fetch, import and
/// verify read the archives), so validate stays fast.
/// </summary>
public sealed class StandInRule : IValidationRule
{
    public IEnumerable<Diagnostic> Check(Site site)
    {
        if (site.IsLab || site.Directory is null) yield break;
        var store = SiteArtifactStore.ForSite(site.Directory);
        if (!System.IO.Directory.Exists(store.Directory)) yield break;
        var needs = SiteArtifactNeeds.For(site, ArtifactCatalog.FromSite(site).Overridden);
        foreach (var need in needs.Needed.Where(n => store.IsStandIn(n.Release)))
            yield return new Diagnostic(FindingCodes.StandInOutsideLab,
                $"the artifact store holds a stand-in for {need.Release.Artifact} {need.Release.Version} ({string.Join(", ", need.Components)}): " +
                $"{store.PathOf(need.Release)} is the lab's release-faithful stand-in, not the real release, and this is a {site.Environment} site.",
                $"remove {Path.GetDirectoryName(store.PathOf(need.Release))} and run datalyptica artifacts fetch {site.Directory} (or import the real release); stand-ins belong in lab sites only.",
                site.Var(SiteKeys.Environment)?.Source ?? site.Source, SiteKeys.Environment);
    }
}

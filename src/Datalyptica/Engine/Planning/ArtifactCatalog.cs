using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Engine.Artifacts;
using Datalyptica.Engine.Resources;
using Datalyptica.Model;

namespace Datalyptica.Engine.Planning;

/// <summary>
/// Where an artifact comes from for plan and apply, or why it cannot be installed. <paramref name="StandIn"/>: the
/// store's file is the lab's release-faithful stand-in (<see cref="SiteArtifactStore.IsStandIn"/>), not the release.
/// </summary>
public sealed record ArtifactResolution(ArtifactSource? Source, ArtifactRelease? Release, string? Unavailable, bool StandIn = false);

/// <summary>
/// Where each artifact a host installs comes from, in this order:
/// <list type="number">
/// <item>the site's own entry <c>datalyptica_artifacts: { kafka: { url: ..., sha512: ... } }</c> (group_vars/all), for a
/// mirror or a version no manifest describes;</item>
/// <item>the site's artifact store (<c>SITE/artifacts</c>, <see cref="SiteArtifactStore"/>): the release the component's
/// folder declares for the site's version (<c>Components/Kafka/KafkaRelease.cs</c>), when <c>artifacts fetch</c> or
/// <c>artifacts import</c> stored and pinned it.</item>
/// </list>
/// Otherwise the artifact is planned as unavailable with the command that fixes it, never skipped.
/// </summary>
public sealed class ArtifactCatalog
{
    public const string SiteKey = "datalyptica_artifacts";
    public static readonly ArtifactCatalog Empty = new(new Dictionary<string, ArtifactSource>(), null, null);

    private readonly IReadOnlyDictionary<string, ArtifactSource> _overrides;
    private readonly SiteArtifactStore? _store;
    private readonly Site? _site;
    private readonly Dictionary<string, string?> _pins = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _standIns = new(StringComparer.Ordinal);

    public ArtifactCatalog(IReadOnlyDictionary<string, ArtifactSource> sources) : this(sources, null, null) { }

    private ArtifactCatalog(IReadOnlyDictionary<string, ArtifactSource> overrides, SiteArtifactStore? store, Site? site)
    {
        _overrides = overrides;
        _store = store;
        _site = site;
    }

    /// <summary>The components (and runtimes) the site names in <c>datalyptica_artifacts</c>.</summary>
    public IReadOnlySet<string> Overridden => _overrides.Keys.ToHashSet(StringComparer.Ordinal);

    /// <summary>The source of a component's own artifact at the site's version, or null (verify: "not deployed").</summary>
    public ArtifactSource? Find(string componentId)
    {
        if (_overrides.GetValueOrDefault(componentId) is { } own) return own;
        var component = ComponentCatalog.Find(componentId);
        if (component is null || _site is null) return null;
        var version = _site.Versions.GetValueOrDefault(component.Id, component.DefaultVersion);
        return component.Releases.FirstOrDefault(r => r.Version == version) is { } release ? Resolve(release.Artifact, version, release).Source : null;
    }

    /// <summary>Where artifact <paramref name="artifact"/> at <paramref name="version"/> comes from; <paramref name="release"/> is its manifest, if any.</summary>
    public ArtifactResolution Resolve(string artifact, string version, ArtifactRelease? release)
    {
        if (_overrides.GetValueOrDefault(artifact) is { } own) return new(own, release, null);
        if (release is null)
            return new(null, null, $"artifact not available: no source for {artifact} {version}: no release manifest for that version and no datalyptica_artifacts.{artifact}. " +
                                   $"Fix: set datalyptica_artifacts.{artifact} (url and sha512) in group_vars/all, or pin a version datalyptica has a manifest for");
        if (_store is null)
            return new(null, release, $"artifact not available: no source for {artifact} {version} ({release.FileName}): the site has no folder for an artifact store. " +
                                      $"Fix: set datalyptica_artifacts.{artifact} (url and sha512) in group_vars/all");
        string? pinned;
        lock (_pins)
        {
            var key = SiteArtifactStore.RelativePath(release);
            if (!_pins.TryGetValue(key, out pinned)) _pins[key] = pinned = _store.Pinned(release);
        }
        return pinned is null
            ? new(null, release, $"artifact not available: no source for {artifact} {version}: {release.FileName} is not in the site's artifact store. " +
                                 $"Fix: run datalyptica artifacts fetch SITE (or import), or set datalyptica_artifacts.{artifact} (url and sha512)")
            : new(new ArtifactSource(_store.PathOf(release), pinned), release, null, StandInInStore(release));
    }

    /// <summary>
    /// Whether the artifact a component (or a runtime: <c>jdk</c>) installs at the site's version is a stand-in: the
    /// site's artifact store serves it and holds the lab's release-faithful stand-in for it (docs/ARTIFACTS.md). False
    /// for an artifact the site names in <c>datalyptica_artifacts</c> and for one the store does not hold.
    /// </summary>
    public bool IsStandIn(string componentOrArtifact) =>
        _store is not null && !_overrides.ContainsKey(componentOrArtifact) && ReleaseOf(componentOrArtifact) is { } release && StandInInStore(release);

    /// <summary>The stand-ins among the artifacts the site installs (component or runtime ids), for the store's folder only.</summary>
    public IReadOnlyList<string> StandIns() =>
        _site is null ? [] : _site.Components.Select(c => c.Id).Concat(_site.Components.SelectMany(c => c.Runtimes).Select(r => r.Artifact))
            .Distinct(StringComparer.Ordinal).Where(IsStandIn).ToList();

    // The release the site installs for a component at its version, or a runtime some component of the site needs.
    private ArtifactRelease? ReleaseOf(string id)
    {
        if (_site is null) return null;
        if (ComponentCatalog.Find(id) is { } component)
        {
            var version = _site.Versions.GetValueOrDefault(component.Id, component.DefaultVersion);
            return component.Releases.FirstOrDefault(r => r.Version == version);
        }
        return _site.Components.SelectMany(c => c.Runtimes).FirstOrDefault(r => r.Artifact == id);
    }

    private bool StandInInStore(ArtifactRelease release)
    {
        lock (_standIns)
        {
            var key = SiteArtifactStore.RelativePath(release);
            if (!_standIns.TryGetValue(key, out var standIn)) _standIns[key] = standIn = _store!.IsStandIn(release);
            return standIn;
        }
    }

    public static ArtifactCatalog FromSite(Site site)
    {
        var result = new Dictionary<string, ArtifactSource>(StringComparer.Ordinal);
        if (site.Var(SiteKey)?.Value is IDictionary<string, object?> map)
            foreach (var (id, value) in map)
                if (value is IDictionary<string, object?> entry && (entry.TryGetValue("url", out var u) ? u : null)?.ToString() is { Length: > 0 } url)
                    result[id] = new ArtifactSource(url, (entry.TryGetValue("sha512", out var s) ? s : null)?.ToString() ?? "");
        return new ArtifactCatalog(result, site.Directory is { } dir ? SiteArtifactStore.ForSite(dir) : null, site);
    }
}

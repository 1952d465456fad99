using Datalyptica.Engine.Resources;
using Datalyptica.Model;

namespace Datalyptica.Engine.Planning;

/// <summary>
/// Where each artifact-installed component's tarball comes from, read from the site variable
/// <c>datalyptica_artifacts: { kafka: { url: ..., sha512: ... }, ... }</c> (group_vars/all). A component with no
/// entry is planned as "artifact not available", never skipped.
/// </summary>
public sealed class ArtifactCatalog(IReadOnlyDictionary<string, ArtifactSource> sources)
{
    public const string SiteKey = "datalyptica_artifacts";
    public static readonly ArtifactCatalog Empty = new(new Dictionary<string, ArtifactSource>());

    public ArtifactSource? Find(string componentId) => sources.GetValueOrDefault(componentId);

    public static ArtifactCatalog FromSite(Site site)
    {
        var result = new Dictionary<string, ArtifactSource>(StringComparer.Ordinal);
        if (site.Var(SiteKey)?.Value is IDictionary<string, object?> map)
            foreach (var (id, value) in map)
                if (value is IDictionary<string, object?> entry && (entry.TryGetValue("url", out var u) ? u : null)?.ToString() is { Length: > 0 } url)
                    result[id] = new ArtifactSource(url, (entry.TryGetValue("sha512", out var s) ? s : null)?.ToString() ?? "");
        return new ArtifactCatalog(result);
    }
}

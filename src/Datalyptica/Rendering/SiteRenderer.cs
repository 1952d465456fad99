using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;

namespace Datalyptica.Rendering;

/// <summary>A host's rendered files.</summary>
public sealed record HostFiles(Host Host, IReadOnlyList<RenderedFile> Files);

/// <summary>Renders every file every host of a site needs: the OS base, then each component the host runs.</summary>
public static class SiteRenderer
{
    public static IReadOnlyList<HostFiles> Render(Site site, string? hostName = null, string? componentId = null)
    {
        if (hostName is not null && site.Hosts.All(h => h.Name != hostName))
            throw new ArgumentException($"no host named '{hostName}' in site {site.Name}. Fix: use a name from `datalyptica inventory list`.");
        return RenderHosts(site, hostName is null ? null : new HashSet<string>(StringComparer.Ordinal) { hostName }, componentId);
    }

    /// <summary>Renders the hosts in <paramref name="only"/> (every host when null), in site order (render --limit).</summary>
    public static IReadOnlyList<HostFiles> RenderHosts(Site site, IReadOnlySet<string>? only, string? componentId = null)
    {
        var index = new SiteIndex(site);
        var hosts = site.Hosts.Where(h => only is null || only.Contains(h.Name)).ToList();
        if (componentId is not null && componentId != OsBaseRenderer.ComponentId && ComponentCatalog.Find(componentId) is null)
            throw new ArgumentException($"unknown component '{componentId}'. Fix: use one of {OsBaseRenderer.ComponentId}, {string.Join(", ", ComponentCatalog.All.Select(c => c.Id))}.");

        // Hosts are independent: render them in parallel, keep the site's order in the result.
        return hosts.AsParallel().AsOrdered().Select(host => new HostFiles(host, RenderHost(index, host, componentId))).ToList();
    }

    private static IReadOnlyList<RenderedFile> RenderHost(SiteIndex index, Host host, string? componentId)
    {
        var context = new RenderContext(index, host);
        var files = new List<RenderedFile>();
        // The OS base also renders a folders file for some components (applied in their layer): filter by file, not renderer.
        files.AddRange(OsBaseRenderer.Instance.Render(context).Where(f => componentId is null || f.Component == componentId));
        foreach (var component in ComponentCatalog.All)
        {
            if (componentId is not null && component.Id != componentId) continue;
            if (component.Renderer is not { } renderer || !component.Roles.Any(host.Has)) continue;
            files.AddRange(renderer.Render(context));
        }
        Check(host, files);
        return files.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
    }

    /// <summary>Guards every renderer: one owner per path, and no secret in a world-readable file.</summary>
    private static void Check(Host host, List<RenderedFile> files)
    {
        foreach (var twice in files.GroupBy(f => f.Path).Where(g => g.Count() > 1))
            throw new InvalidOperationException($"{host.Name}: {twice.Key} is rendered by {string.Join(" and ", twice.Select(f => f.Component))}");
        foreach (var file in files.Where(f => f.ContainsSecrets && (f.Mode & UnixFileMode.OtherRead) != 0))
            throw new InvalidOperationException($"{host.Name}: {file.Path} ({file.Component}) holds a secret but is world-readable ({Modes.Octal(file.Mode)})");
    }
}

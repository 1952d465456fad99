using System.Collections.Concurrent;
using Datalyptica.Model;

namespace Datalyptica.Contracts.Rendering;

/// <summary>
/// Lookups over a site computed once per render (members of each role, in inventory order), so rendering
/// 1,000 hosts does not rescan the site for every file.
/// </summary>
public sealed class SiteIndex(Site site)
{
    private readonly ConcurrentDictionary<RoleDefinition, IReadOnlyList<Host>> _members = new();

    public Site Site { get; } = site;

    public IReadOnlyList<Host> Members(RoleDefinition role) =>
        _members.GetOrAdd(role, r => Site.HostsWith(r).ToList());
}

/// <summary>What a renderer sees: the site, the host being rendered, and helpers that keep renderers short.</summary>
public sealed class RenderContext(SiteIndex index, Host host)
{
    public Site Site => index.Site;
    public Host Host { get; } = host;

    public IReadOnlyList<Host> Members(RoleDefinition role) => index.Members(role);

    public bool Has(RoleDefinition role) => Host.Has(role);

    /// <summary>This host's port for a spec (inventory override or default).</summary>
    public int Port(PortSpec spec) => Host.Port(spec);

    /// <summary>0-based position of this host among the members of a role (stable ids: node.id, myid, server_id).</summary>
    public int IndexIn(RoleDefinition role)
    {
        var members = Members(role);
        for (var i = 0; i < members.Count; i++)
            if (ReferenceEquals(members[i], Host)) return i;
        throw new InvalidOperationException($"{Host.Name} is not a member of {role.Group}");
    }

    /// <summary>"addr:port" for every member of a role, each with its own port.</summary>
    public IEnumerable<string> Endpoints(RoleDefinition role, PortSpec port) =>
        Members(role).Select(h => $"{h.Address}:{h.Port(port)}");

    public string Version(ComponentDefinition component) => Site.Versions[component.Id];

    public string Secret(string vaultVariable) => SecretPlaceholder.For(vaultVariable);

    /// <summary>The address clients use for services behind HAProxy: the first front-door VIP.</summary>
    public string FrontDoor => Site.Vips.Count > 0 ? Site.Vips[0].Address.ToString() : throw new InvalidOperationException("the site has no VIP");

    public ObjectStore ObjectStore => Site.ObjectStore ?? throw new InvalidOperationException("the site has no object store");

    public RenderedFile File(ComponentDefinition component, string path, string content) => new(component.Id, path, content);
}

namespace Datalyptica.Contracts.Rendering;

/// <summary>
/// Renders every file one component needs on one host, derived from the site model: ports, peers and
/// addresses from the site, heaps from the host's RAM, secrets as placeholders. Pure: no I/O, same input,
/// same bytes. Each component folder has one (<c>Components/Etcd/EtcdRenderer.cs</c>).
/// </summary>
public interface IComponentRenderer
{
    /// <summary>Called only for hosts that have at least one role of the component.</summary>
    IEnumerable<RenderedFile> Render(RenderContext context);
}

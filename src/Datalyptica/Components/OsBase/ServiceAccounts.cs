using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;

namespace Datalyptica.Components.OsBaseLayer;

/// <summary>
/// The account each component runs as, read from the component's own lifecycle declaration, so the sysusers file, the
/// tmpfiles owners and the units agree. Distro packages create their own system users in their maintainer scripts
/// (Debian policy 9.2.1); we keep those names and never re-create them, so the package's UID and home stay
/// authoritative. Components installed from artifacts get a system user named after the component id.
/// </summary>
public static class ServiceAccounts
{
    public static ServiceAccount For(ComponentDefinition component) =>
        component.Lifecycle.Account ?? throw new InvalidOperationException($"{component.Id} declares no service account in its lifecycle");

    public const string NoLoginShell = "/usr/sbin/nologin";

    /// <summary>The components with at least one role on the host, in catalog order.</summary>
    public static IEnumerable<ComponentDefinition> ComponentsOn(RenderContext context) =>
        ComponentCatalog.All.Where(c => c.Roles.Any(context.Has));
}

using Datalyptica.Rendering;

namespace Datalyptica.Components.OsBaseLayer;

/// <summary>The user and group a component's service runs as, and who creates them.</summary>
public sealed record ServiceAccount(string User, string Group, bool CreatedByPackage, string Description);

/// <summary>
/// One place that says which account each component runs as, so the sysusers file, the tmpfiles owners and
/// the units agree. Distro packages create their own system users in their maintainer scripts (Debian
/// policy 9.2.1); we keep those names and never re-create them, so the package's UID and home stay
/// authoritative. Components installed from artifacts get a system user named after the component id.
/// </summary>
public static class ServiceAccounts
{
    private static readonly Dictionary<string, (string User, string Why)> Packaged = new()
    {
        ["haproxy"] = ("haproxy", "Debian haproxy package"),
        // keepalived manipulates addresses and sends VRRP: it runs as root (Debian's unit has no User=).
        ["keepalived"] = ("root", "Debian keepalived package (runs as root)"),
        ["postgresql"] = ("postgres", "Debian postgresql-common package"),
        ["patroni"] = ("postgres", "Patroni manages PostgreSQL, so it runs as its owner"),
        ["etcd"] = ("etcd", "Debian etcd-server package"),
        ["zookeeper"] = ("zookeeper", "Debian zookeeper package"),
        ["redis"] = ("redis", "Debian redis-server package"),
        ["prometheus"] = ("prometheus", "Debian prometheus package"),
        ["alertmanager"] = ("prometheus", "Debian prometheus-alertmanager package runs as prometheus"),
    };

    public static ServiceAccount For(ComponentDefinition component)
    {
        if (Packaged.TryGetValue(component.Id, out var p))
            return new ServiceAccount(p.User, p.User, true, p.Why);
        if (component.Install == InstallSource.DistroPackage)
            throw new InvalidOperationException($"{component.Id} is a distro package but ServiceAccounts does not know its user");
        return new ServiceAccount(component.Id, component.Id, false, $"Datalyptica {component.DisplayName}");
    }

    public const string NoLoginShell = "/usr/sbin/nologin";

    /// <summary>The components with at least one role on the host, in catalog order.</summary>
    public static IEnumerable<ComponentDefinition> ComponentsOn(RenderContext context) =>
        ComponentCatalog.All.Where(c => c.Roles.Any(context.Has));
}

using Datalyptica.Contracts;
using Datalyptica.Engine.Resources;

namespace Datalyptica.Components.HAProxy;

/// <summary>
/// Debian's haproxy unit, reloaded on a configuration change (its reload is seamless). When it must restart, load
/// balancers go one at a time: all of them restarting at once drops the VIP's traffic.
/// </summary>
public static class HAProxyLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.FromPackage("haproxy", "Debian haproxy package"),
        Units =
        [
            new("haproxy", UnitSource.Package, OnConfigChange.Reload)
                { Rolling = (_, _) => new RollingRestart("haproxy", "systemctl is-active --quiet haproxy") },
        ],
    };
}

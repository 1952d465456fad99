using Datalyptica.Contracts;

namespace Datalyptica.Components.OsBaseLayer;

/// <summary>
/// The OS base's packaged units on every host. Each reads only its own files: on the lab a changed /etc/sysctl.d file
/// (applied by its own sysctl resource) restarted chrony, nftables and node exporter. The OS base has no service account
/// of its own; each unit runs as the account its Debian package gives it.
/// </summary>
public static class OsBaseLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = null,
        Units =
        [
            new("chrony", UnitSource.Package, OnConfigChange.Restart)
            {
                Reads = ["/etc/chrony/", "/etc/systemd/system/chrony.service"],
                RunsAs = ServiceAccount.FromPackage("_chrony", "Debian chrony package (chronyd drops root to _chrony)"),
            },
            new("nftables", UnitSource.Package, OnConfigChange.Restart)
            {
                Reads = ["/etc/nftables.conf"],
                RunsAs = ServiceAccount.FromPackage("root", "Debian nftables package (a oneshot that loads the kernel ruleset)"),
            },
            new("prometheus-node-exporter", UnitSource.Package, OnConfigChange.Restart)
            {
                Reads = ["/etc/default/prometheus-node-exporter"],
                RunsAs = ServiceAccount.FromPackage("prometheus", "Debian prometheus-node-exporter package runs as prometheus"),
            },
        ],
    };
}

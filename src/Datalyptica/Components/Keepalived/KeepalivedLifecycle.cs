using Datalyptica.Contracts;
using Datalyptica.Engine.Resources;

namespace Datalyptica.Components.Keepalived;

/// <summary>Debian's keepalived unit; nodes restart one at a time (no quorum, but all at once drops the VIP).</summary>
public static class KeepalivedLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        // keepalived manipulates addresses and sends VRRP: it runs as root (Debian's unit has no User=).
        Account = ServiceAccount.FromPackage("root", "Debian keepalived package (runs as root)"),
        Units =
        [
            new("keepalived", UnitSource.Package, OnConfigChange.Restart)
                { Rolling = (_, _) => new RollingRestart("keepalived", "systemctl is-active --quiet keepalived") },
        ],
    };
}

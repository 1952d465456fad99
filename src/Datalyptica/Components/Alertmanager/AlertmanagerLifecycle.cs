using Datalyptica.Contracts;

namespace Datalyptica.Components.Alertmanager;

/// <summary>Debian's prometheus-alertmanager unit, restarted when its configuration changes.</summary>
public static class AlertmanagerLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.FromPackage("prometheus", "Debian prometheus-alertmanager package runs as prometheus"),
        Units = [new("prometheus-alertmanager", UnitSource.Package, OnConfigChange.Restart)],
    };
}

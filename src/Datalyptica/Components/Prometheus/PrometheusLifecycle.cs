using Datalyptica.Contracts;

namespace Datalyptica.Components.Prometheus;

/// <summary>Debian's prometheus unit, restarted when its configuration or rules change.</summary>
public static class PrometheusLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.FromPackage("prometheus", "Debian prometheus package"),
        Units = [new("prometheus", UnitSource.Package, OnConfigChange.Restart)],
    };
}

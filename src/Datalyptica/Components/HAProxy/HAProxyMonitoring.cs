using Datalyptica.Contracts;
using static Datalyptica.Contracts.AlertRule;

namespace Datalyptica.Components.HAProxy;

/// <summary>HAProxy's scrape job and alerts.</summary>
public static class HAProxyMonitoring
{
    public static IReadOnlyList<ScrapeJob> Jobs { get; } =
        [new("haproxy", [HAProxyComponent.Node], HAProxyComponent.Exporter) { Why = "HAProxy's built-in Prometheus exporter frontend", Order = 40 }];

    public static IReadOnlyList<AlertGroup> Alerts { get; } = [new("haproxy", "haproxy", _ => Rules())];

    private static IEnumerable<AlertRule> Rules()
    {
        // Backend-level on purpose: in the PostgreSQL backends all but one server are DOWN by design (Patroni's
        // role checks), so a per-server alert would always fire.
        yield return new("HAProxyBackendDown",
            "haproxy_backend_active_servers{job=\"haproxy\"} + haproxy_backend_backup_servers{job=\"haproxy\"} == 0", "1m", Critical,
            "HAProxy backend has no server", "Backend {{ $labels.proxy }} on {{ $labels.host }} has no server up.")
        {
            // No server at all, then the PostgreSQL shape: one active server (the primary), the others down by design.
            Proof = new(
                AlertProof.Steady(("haproxy_backend_active_servers{job=\"haproxy\",proxy=\"pg\",host=\"lb1\"}", 0), ("haproxy_backend_backup_servers{job=\"haproxy\",proxy=\"pg\",host=\"lb1\"}", 0)),
                AlertProof.Steady(("haproxy_backend_active_servers{job=\"haproxy\",proxy=\"pg\",host=\"lb1\"}", 1), ("haproxy_backend_backup_servers{job=\"haproxy\",proxy=\"pg\",host=\"lb1\"}", 0))),
        };
    }
}

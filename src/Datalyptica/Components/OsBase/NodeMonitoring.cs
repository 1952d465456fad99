using Datalyptica.Contracts;
using static Datalyptica.Contracts.AlertRule;

namespace Datalyptica.Components.OsBaseLayer;

/// <summary>node_exporter on every host (the OS base layer): its scrape job and the host alerts.</summary>
public static class NodeMonitoring
{
    public static readonly ScrapeJob Job = new("node", null, OsBase.NodeExporter) { Why = "node_exporter on every host", Order = 10 };

    public static readonly AlertGroup Alerts = new("node", "node", _ => Rules());

    private static IEnumerable<AlertRule> Rules()
    {
        const string fs = "fstype!~\"tmpfs|ramfs|squashfs|overlay\"";
        // One alert name, two severities: Alertmanager's inhibit rule mutes the warning while the critical fires.
        yield return new("NodeFilesystemSpaceLow",
            $"node_filesystem_avail_bytes{{{fs}}} / node_filesystem_size_bytes{{{fs}}} < 0.15 and node_filesystem_readonly{{{fs}}} == 0",
            "10m", Warning, "filesystem below 15% free", "{{ $labels.mountpoint }} on {{ $labels.host }} has {{ $value | humanizePercentage }} free.");
        yield return new("NodeFilesystemSpaceLow",
            $"node_filesystem_avail_bytes{{{fs}}} / node_filesystem_size_bytes{{{fs}}} < 0.05 and node_filesystem_readonly{{{fs}}} == 0",
            "5m", Critical, "filesystem below 5% free", "{{ $labels.mountpoint }} on {{ $labels.host }} has {{ $value | humanizePercentage }} free.");
        yield return new("NodeFilesystemFillingUp",
            $"predict_linear(node_filesystem_avail_bytes{{{fs}}}[6h], 24 * 3600) < 0 and node_filesystem_avail_bytes{{{fs}}} / node_filesystem_size_bytes{{{fs}}} < 0.4",
            "1h", Warning, "filesystem fills within 24 h", "{{ $labels.mountpoint }} on {{ $labels.host }} is predicted to fill within 24 hours.");
        // Raft/ZAB leases, Kafka and Patroni leader keys, TLS and log correlation all assume synchronised clocks.
        yield return new("NodeClockSkew",
            "(node_timex_offset_seconds > 0.05 and deriv(node_timex_offset_seconds[5m]) >= 0) or (node_timex_offset_seconds < -0.05 and deriv(node_timex_offset_seconds[5m]) <= 0)",
            "10m", Warning, "clock offset above 50 ms", "{{ $labels.host }} clock is off by {{ $value }} s and not converging; check chrony.");
        yield return new("NodeClockNotSynchronising",
            "min_over_time(node_timex_sync_status[5m]) == 0 and node_timex_maxerror_seconds >= 16",
            "10m", Warning, "clock not synchronising", "{{ $labels.host }} is not synchronising its clock; check chrony.");
        yield return new("NodeMemoryLow", "node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.05",
            "5m", Warning, "less than 5% memory available", "{{ $labels.host }} has {{ $value | humanizePercentage }} memory available.");
        yield return new("NodeOomKill", "increase(node_vmstat_oom_kill[5m]) > 0", "0m", Warning,
            "the kernel killed a process for memory", "The OOM killer ran on {{ $labels.host }}; a heap or maxmemory does not fit next to its neighbours.");
    }
}

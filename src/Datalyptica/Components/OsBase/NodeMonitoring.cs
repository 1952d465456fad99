using Datalyptica.Contracts;
using static Datalyptica.Contracts.AlertRule;

namespace Datalyptica.Components.OsBaseLayer;

/// <summary>node_exporter on every host (the OS base layer): its scrape job and the host alerts.</summary>
public static class NodeMonitoring
{
    public static readonly ScrapeJob Job = new("node", null, OsBase.NodeExporter) { Why = "node_exporter on every host", Order = 10 };

    public static readonly AlertGroup Alerts = new("node", "node", _ => Rules());

    public const string TextfileDir = Contracts.Rendering.PlatformPaths.NodeExporterTextfiles;

    private static IEnumerable<AlertRule> Rules()
    {
        const string fs = "fstype!~\"tmpfs|ramfs|squashfs|overlay\"";
        // One alert name, two severities: Alertmanager's inhibit rule mutes the warning while the critical fires.
        yield return new("NodeFilesystemSpaceLow",
            $"node_filesystem_avail_bytes{{{fs}}} / node_filesystem_size_bytes{{{fs}}} < 0.20 and node_filesystem_readonly{{{fs}}} == 0",
            "10m", Warning, "filesystem over 80% full", "{{ $labels.mountpoint }} on {{ $labels.host }} has {{ $value | humanizePercentage }} free.")
        {
            Proof = new(Filesystem(avail: 15), Filesystem(avail: 25)),
        };
        yield return new("NodeFilesystemSpaceLow",
            $"node_filesystem_avail_bytes{{{fs}}} / node_filesystem_size_bytes{{{fs}}} < 0.05 and node_filesystem_readonly{{{fs}}} == 0",
            "5m", Critical, "filesystem below 5% free", "{{ $labels.mountpoint }} on {{ $labels.host }} has {{ $value | humanizePercentage }} free.")
        {
            Proof = new(Filesystem(avail: 3), Filesystem(avail: 10)),
        };
        yield return new("NodeFilesystemFillingUp",
            $"predict_linear(node_filesystem_avail_bytes{{{fs}}}[6h], 24 * 3600) < 0 and node_filesystem_avail_bytes{{{fs}}} / node_filesystem_size_bytes{{{fs}}} < 0.4",
            "1h", Warning, "filesystem fills within 24 h", "{{ $labels.mountpoint }} on {{ $labels.host }} is predicted to fill within 24 hours.")
        {
            // 39% free losing 3% an hour (empty in 13 h), then 39% free and steady; 8 h in, past the 6 h window and the 1 h wait.
            Proof = new(Filesystem("39-0.05x600"), Filesystem("39x600")) { At = "8h" },
        };
        // Raft/ZAB leases, Kafka and Patroni leader keys, TLS and log correlation all assume synchronised clocks.
        yield return new("NodeClockSkew",
            "(node_timex_offset_seconds > 0.05 and deriv(node_timex_offset_seconds[5m]) >= 0) or (node_timex_offset_seconds < -0.05 and deriv(node_timex_offset_seconds[5m]) <= 0)",
            "10m", Warning, "clock offset above 50 ms", "{{ $labels.host }} clock is off by {{ $value }} s and not converging; check chrony.")
        {
            Proof = new([$"node_timex_offset_seconds{{host=\"n1\"}} 0.1+0.001x{AlertProof.Samples}"], [$"node_timex_offset_seconds{{host=\"n1\"}} 0.1-0.001x{AlertProof.Samples}"]),
        };
        yield return new("NodeClockNotSynchronising",
            "min_over_time(node_timex_sync_status[5m]) == 0 and node_timex_maxerror_seconds >= 16",
            "10m", Warning, "clock not synchronising", "{{ $labels.host }} is not synchronising its clock; check chrony.")
        {
            Proof = new(
                AlertProof.Steady(("node_timex_sync_status{host=\"n1\"}", 0), ("node_timex_maxerror_seconds{host=\"n1\"}", 16)),
                AlertProof.Steady(("node_timex_sync_status{host=\"n1\"}", 1), ("node_timex_maxerror_seconds{host=\"n1\"}", 16))),
        };
        yield return new("NodeMemoryLow", "node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.05",
            "5m", Warning, "less than 5% memory available", "{{ $labels.host }} has {{ $value | humanizePercentage }} memory available.")
        {
            Proof = new(
                AlertProof.Steady(("node_memory_MemAvailable_bytes{host=\"n1\"}", 4), ("node_memory_MemTotal_bytes{host=\"n1\"}", 100)),
                AlertProof.Steady(("node_memory_MemAvailable_bytes{host=\"n1\"}", 10), ("node_memory_MemTotal_bytes{host=\"n1\"}", 100))),
        };
        yield return new("NodeOomKill", "increase(node_vmstat_oom_kill[5m]) > 0", "0m", Warning,
            "the kernel killed a process for memory", "The OOM killer ran on {{ $labels.host }}; a heap or maxmemory does not fit next to its neighbours.")
        {
            Proof = AlertProof.Counter("node_vmstat_oom_kill{host=\"n1\"}"),
        };
    }

    /// <summary>A /data filesystem of 100 units with <paramref name="avail"/> free (promtool values), writable.</summary>
    private static IReadOnlyList<string> Filesystem(string avail)
    {
        const string labels = "{host=\"n1\",mountpoint=\"/data\",fstype=\"ext4\"}";
        return [$"node_filesystem_avail_bytes{labels} {avail}", $"node_filesystem_size_bytes{labels} 100x600", $"node_filesystem_readonly{labels} 0x600"];
    }

    private static IReadOnlyList<string> Filesystem(int avail) => Filesystem($"{avail}x600");
}

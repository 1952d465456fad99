using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using static Datalyptica.Contracts.AlertRule;

namespace Datalyptica.Components.Etcd;

/// <summary>etcd's scrape job and alerts.</summary>
public static class EtcdMonitoring
{
    public static IReadOnlyList<ScrapeJob> Jobs { get; } =
    [
        new("etcd", [EtcdComponent.Member], EtcdComponent.Metrics)
        {
            Why = "the client port requires a client certificate; listen-metrics-urls serves /metrics in plain HTTP (the lab showed EOF on 2379)",
            Order = 70,
        },
    ];

    public static IReadOnlyList<AlertGroup> Alerts { get; } = [new("etcd", "etcd", Rules)];

    private static IEnumerable<AlertRule> Rules(RenderContext ctx)
    {
        var members = ctx.Members(EtcdComponent.Member).Count;
        var quorum = members / 2 + 1;
        yield return new("EtcdNoLeader", "etcd_server_has_leader{job=\"etcd\"} == 0", "1m", Critical,
            "etcd member has no leader", "{{ $labels.host }} sees no etcd leader: Patroni cannot renew its leader key.")
        {
            Proof = AlertProof.Gauge("etcd_server_has_leader{job=\"etcd\",host=\"e1\"}", 0, 1),
        };
        yield return new("EtcdInsufficientMembers", $"sum(up{{job=\"etcd\"}}) < {quorum}", "1m", Critical,
            "etcd lost quorum", $"Fewer than {quorum} of {members} etcd members are up: the cluster cannot commit writes.")
        {
            // One member short of a quorum up, then exactly a quorum up.
            Proof = new(UpMembers(members, quorum - 1), UpMembers(members, quorum)),
        };
        yield return new("EtcdFrequentLeaderChanges", "increase(etcd_server_leader_changes_seen_total{job=\"etcd\"}[15m]) >= 4", "5m", Warning,
            "etcd leader keeps changing", "{{ $labels.host }} saw {{ $value }} leader changes in 15 minutes: slow disk or network.")
        {
            Proof = AlertProof.Counter("etcd_server_leader_changes_seen_total{job=\"etcd\",host=\"e1\"}"),
        };
        yield return new("EtcdSlowWalFsync",
            "histogram_quantile(0.99, sum by (instance, host, le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket{job=\"etcd\"}[5m]))) > 0.5",
            "10m", Warning, "etcd WAL fsync is slow", "99th percentile WAL fsync on {{ $labels.host }} is {{ $value }} s.")
        {
            // Every fsync between 0.1 and 1 s (p99 near 1 s), then every fsync under 0.1 s.
            Proof = new(FsyncBuckets(slow: true), FsyncBuckets(slow: false)),
        };
        yield return new("EtcdDatabaseNearQuota",
            "etcd_mvcc_db_total_size_in_bytes{job=\"etcd\"} / etcd_server_quota_backend_bytes{job=\"etcd\"} > 0.8", "10m", Warning,
            "etcd database above 80% of its quota", "At the quota etcd raises NOSPACE and stops writes; compact and defragment.")
        {
            Proof = new(
                AlertProof.Steady(("etcd_mvcc_db_total_size_in_bytes{job=\"etcd\",instance=\"e1\"}", 900), ("etcd_server_quota_backend_bytes{job=\"etcd\",instance=\"e1\"}", 1000)),
                AlertProof.Steady(("etcd_mvcc_db_total_size_in_bytes{job=\"etcd\",instance=\"e1\"}", 700), ("etcd_server_quota_backend_bytes{job=\"etcd\",instance=\"e1\"}", 1000))),
        };
    }

    private static IReadOnlyList<string> UpMembers(int members, int up) =>
        AlertProof.Steady([.. Enumerable.Range(1, members).Select(i => ($"up{{job=\"etcd\",instance=\"e{i}\"}}", i <= up ? 1.0 : 0.0))]);

    private static IReadOnlyList<string> FsyncBuckets(bool slow)
    {
        const string bucket = "etcd_disk_wal_fsync_duration_seconds_bucket{job=\"etcd\",instance=\"e1\",host=\"c1\",le=";
        return [$"{bucket}\"0.1\"}} {(slow ? "0x" : "0+10x")}{AlertProof.Samples}", $"{bucket}\"1\"}} 0+10x{AlertProof.Samples}", $"{bucket}\"+Inf\"}} 0+10x{AlertProof.Samples}"];
    }
}

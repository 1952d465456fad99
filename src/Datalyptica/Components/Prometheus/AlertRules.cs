using Datalyptica.Components.Alertmanager;
using Datalyptica.Components.Etcd;
using Datalyptica.Components.Patroni;
using Datalyptica.Components.Prometheus;
using Datalyptica.Components.Redis;
using Datalyptica.Model;
using Datalyptica.Rendering;

namespace Datalyptica.Components.Prometheus;

public sealed record AlertRule(string Name, string Expr, string For, string Severity, string Summary, string Description)
{
    public string RunbookUrl { get; init; } = "";
}

/// <summary>
/// Alert rules per component, only for components the site deploys. Thresholds that depend on the site (how many
/// etcd members make a quorum, how many Redis replicas or Alertmanager peers there should be) come from it.
/// </summary>
public static class AlertRules
{
    public const string Critical = "critical";
    public const string Warning = "warning";

    public static string RunbookBase(RenderContext ctx) =>
        (PrometheusSettings.RunbookUrl.Get(ctx.Site) ?? $"https://{ctx.Site.Domain}/runbooks").TrimEnd('/');

    public static IEnumerable<(string File, IReadOnlyList<AlertRule> Rules)> For(RenderContext ctx,
        IReadOnlyList<(ScrapeJob Job, IReadOnlyList<(Host Host, RoleDefinition? Role)> Members)> jobs)
    {
        var runbooks = RunbookBase(ctx);
        IReadOnlyList<AlertRule> WithRunbooks(string file, IEnumerable<AlertRule> rules) =>
            rules.Select(r => r with { RunbookUrl = $"{runbooks}/{file}#{r.Name.ToLowerInvariant()}" }).ToList();

        var scraped = jobs.Select(j => j.Job.Name).ToHashSet();
        yield return ("targets", WithRunbooks("targets", Targets(jobs)));
        yield return ("node", WithRunbooks("node", Node()));
        if (scraped.Contains("etcd")) yield return ("etcd", WithRunbooks("etcd", Etcd(ctx)));
        if (scraped.Contains("patroni")) yield return ("patroni", WithRunbooks("patroni", Patroni(ctx)));
        if (scraped.Contains("redis")) yield return ("redis", WithRunbooks("redis", Redis(ctx)));
        if (scraped.Contains("haproxy")) yield return ("haproxy", WithRunbooks("haproxy", HAProxy()));
        yield return ("prometheus", WithRunbooks("prometheus", Prometheus(ctx)));
        if (scraped.Contains("alertmanager")) yield return ("alertmanager", WithRunbooks("alertmanager", Alertmanager(ctx)));
    }

    private static string Pascal(string job) => string.Concat(job.Split('-', '_').Select(p => char.ToUpperInvariant(p[0]) + p[1..]));

    private static IEnumerable<AlertRule> Targets(IEnumerable<(ScrapeJob Job, IReadOnlyList<(Host Host, RoleDefinition? Role)> Members)> jobs)
    {
        // Always firing: proves the whole alerting path works; an external dead man's switch alerts when it stops.
        yield return new("Watchdog", "vector(1)", "0m", "none", "Alerting pipeline heartbeat",
            "Always firing. If the heartbeat receiver stops getting it, Prometheus or Alertmanager is broken.");
        foreach (var (job, members) in jobs)
        {
            yield return new($"{Pascal(job.Name)}InstanceDown", $"up{{job=\"{job.Name}\"}} == 0", "2m", Warning,
                $"{job.Name} target down",
                $"{{{{ $labels.instance }}}} ({{{{ $labels.host }}}}) of job {job.Name} has not answered scrapes for 2 minutes.");
            if (members.Count > 1)
                yield return new($"{Pascal(job.Name)}AllInstancesDown", $"sum(up{{job=\"{job.Name}\"}}) == 0", "1m", Critical,
                    $"every {job.Name} target is down",
                    $"None of the {members.Count} {job.Name} targets answers scrapes.");
        }
    }

    private static IEnumerable<AlertRule> Node()
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

    private static IEnumerable<AlertRule> Etcd(RenderContext ctx)
    {
        var members = ctx.Members(EtcdComponent.Member).Count;
        var quorum = members / 2 + 1;
        yield return new("EtcdNoLeader", "etcd_server_has_leader{job=\"etcd\"} == 0", "1m", Critical,
            "etcd member has no leader", "{{ $labels.host }} sees no etcd leader: Patroni cannot renew its leader key.");
        yield return new("EtcdInsufficientMembers", $"sum(up{{job=\"etcd\"}}) < {quorum}", "1m", Critical,
            "etcd lost quorum", $"Fewer than {quorum} of {members} etcd members are up: the cluster cannot commit writes.");
        yield return new("EtcdFrequentLeaderChanges", "increase(etcd_server_leader_changes_seen_total{job=\"etcd\"}[15m]) >= 4", "5m", Warning,
            "etcd leader keeps changing", "{{ $labels.host }} saw {{ $value }} leader changes in 15 minutes: slow disk or network.");
        yield return new("EtcdSlowWalFsync",
            "histogram_quantile(0.99, sum by (instance, host, le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket{job=\"etcd\"}[5m]))) > 0.5",
            "10m", Warning, "etcd WAL fsync is slow", "99th percentile WAL fsync on {{ $labels.host }} is {{ $value }} s.");
        yield return new("EtcdDatabaseNearQuota",
            "etcd_mvcc_db_total_size_in_bytes{job=\"etcd\"} / etcd_server_quota_backend_bytes{job=\"etcd\"} > 0.8", "10m", Warning,
            "etcd database above 80% of its quota", "At the quota etcd raises NOSPACE and stops writes; compact and defragment.");
    }

    private static IEnumerable<AlertRule> Patroni(RenderContext ctx)
    {
        yield return new("PatroniNoLeader", "sum(patroni_primary{job=\"patroni\"}) < 1", "1m", Critical,
            "PostgreSQL cluster has no primary", "No Patroni member reports itself primary: writes fail.");
        yield return new("PatroniMultiplePrimaries", "sum(patroni_primary{job=\"patroni\"}) > 1", "1m", Critical,
            "more than one PostgreSQL primary", "{{ $value }} Patroni members report primary: split brain.");
        yield return new("PatroniReplicationLag",
            "(scalar(max(patroni_xlog_location{job=\"patroni\"})) - patroni_xlog_replayed_location{job=\"patroni\"} > 268435456) and on(instance) patroni_replica{job=\"patroni\"} == 1",
            "5m", Warning, "replica more than 256 MiB behind", "{{ $labels.host }} has replayed {{ $value | humanize1024 }}B less WAL than the primary.");
        if (Components.Patroni.PatroniSettings.Synchronous(ctx.Site))
            yield return new("PatroniNoSyncStandby", "sum(patroni_sync_standby{job=\"patroni\"}) < 1", "2m", Critical,
                "no synchronous standby", "The site runs synchronous_mode, but no member is the synchronous standby: a failover could lose commits.");
        yield return new("PatroniPendingRestart", "patroni_pending_restart{job=\"patroni\"} == 1", "1h", Warning,
            "PostgreSQL needs a restart", "{{ $labels.host }} has settings that apply only after a restart.");
    }

    private static IEnumerable<AlertRule> Redis(RenderContext ctx)
    {
        var replicas = ctx.Members(RedisComponent.Data).Count - 1;
        // `or vector(0)`: with no master at all, count() returns nothing and the alert would never fire.
        yield return new("RedisMasterMissing", "(count(redis_instance_info{job=\"redis\",role=\"master\"}) or vector(0)) < 1", "1m", Critical,
            "Redis has no master", "No Redis node reports role master; Sentinel has not (yet) promoted a replica.");
        yield return new("RedisMultipleMasters", "count(redis_instance_info{job=\"redis\",role=\"master\"}) > 1", "2m", Critical,
            "more than one Redis master", "{{ $value }} Redis nodes report role master: an old master was not demoted.");
        yield return new("RedisReplicasMissing", $"sum(redis_connected_slaves{{job=\"redis\"}}) < {replicas}", "5m", Warning,
            "Redis replicas missing", $"The master has {{{{ $value }}}} of {replicas} replicas connected.");
        yield return new("RedisMemoryNearMax", "redis_memory_used_bytes{job=\"redis\"} / (redis_memory_max_bytes{job=\"redis\"} > 0) > 0.9", "10m", Warning,
            "Redis above 90% of maxmemory", "{{ $labels.host }} is at {{ $value | humanizePercentage }} of maxmemory; evictions or write errors follow.");
        yield return new("RedisRejectedConnections", "increase(redis_rejected_connections_total{job=\"redis\"}[5m]) > 0", "0m", Warning,
            "Redis rejects connections", "{{ $labels.host }} hit maxclients.");
    }

    private static IEnumerable<AlertRule> HAProxy()
    {
        // Backend-level on purpose: in the PostgreSQL backends all but one server are DOWN by design (Patroni's
        // role checks), so a per-server alert would always fire.
        yield return new("HAProxyBackendDown",
            "haproxy_backend_active_servers{job=\"haproxy\"} + haproxy_backend_backup_servers{job=\"haproxy\"} == 0", "1m", Critical,
            "HAProxy backend has no server", "Backend {{ $labels.proxy }} on {{ $labels.host }} has no server up.");
    }

    private static IEnumerable<AlertRule> Prometheus(RenderContext ctx)
    {
        var alertmanagers = ctx.Members(AlertmanagerComponent.Server).Count;
        yield return new("PrometheusConfigReloadFailed", "prometheus_config_last_reload_successful{job=\"prometheus\"} == 0", "10m", Warning,
            "Prometheus config reload failed", "{{ $labels.host }} runs an old configuration.");
        yield return new("PrometheusRuleEvaluationFailures", "increase(prometheus_rule_evaluation_failures_total{job=\"prometheus\"}[5m]) > 0", "15m", Warning,
            "rule evaluation failing", "{{ $labels.host }} fails to evaluate rules: alerts may be missed.");
        yield return new("PrometheusNotificationsFailing", "rate(prometheus_notifications_errors_total{job=\"prometheus\"}[5m]) > 0", "15m", Warning,
            "alerts not delivered to an Alertmanager", "{{ $labels.host }} fails to send alerts to {{ $labels.alertmanager }}.");
        if (alertmanagers > 0)
            yield return new("PrometheusAlertmanagersMissing", $"prometheus_notifications_alertmanagers_discovered{{job=\"prometheus\"}} < {alertmanagers}", "10m", Warning,
                "Prometheus knows fewer Alertmanagers than the site has", $"{{{{ $labels.host }}}} sends to {{{{ $value }}}} of {alertmanagers} Alertmanagers.");
    }

    private static IEnumerable<AlertRule> Alertmanager(RenderContext ctx)
    {
        var peers = ctx.Members(AlertmanagerComponent.Server).Count;
        yield return new("AlertmanagerClusterMembersMissing", $"alertmanager_cluster_members{{job=\"alertmanager\"}} < {peers}", "10m", Warning,
            "Alertmanager cluster incomplete", $"{{{{ $labels.host }}}} sees {{{{ $value }}}} of {peers} peers: notifications may be sent twice or silences not shared.");
        yield return new("AlertmanagerConfigReloadFailed", "alertmanager_config_last_reload_successful{job=\"alertmanager\"} == 0", "10m", Warning,
            "Alertmanager config reload failed", "{{ $labels.host }} runs an old configuration.");
        yield return new("AlertmanagerNotificationsFailing", "rate(alertmanager_notifications_failed_total{job=\"alertmanager\"}[5m]) > 0", "10m", Warning,
            "Alertmanager cannot deliver notifications", "{{ $labels.host }} fails to notify via {{ $labels.integration }}.");
    }
}

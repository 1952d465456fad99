using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using static Datalyptica.Contracts.AlertRule;

namespace Datalyptica.Components.Patroni;

/// <summary>Patroni's scrape job and alerts.</summary>
public static class PatroniMonitoring
{
    public static IReadOnlyList<ScrapeJob> Jobs { get; } =
        [new("patroni", [PatroniComponent.Member], PatroniComponent.RestApi) { Why = "Patroni's REST API serves /metrics (3.x)", Order = 60 }];

    public static IReadOnlyList<AlertGroup> Alerts { get; } = [new("patroni", "patroni", Rules)];

    private static IEnumerable<AlertRule> Rules(RenderContext ctx)
    {
        yield return new("PatroniNoLeader", "sum(patroni_primary{job=\"patroni\"}) < 1", "1m", Critical,
            "PostgreSQL cluster has no primary", "No Patroni member reports itself primary: writes fail.")
        {
            Proof = new(Members("patroni_primary", 0, 0), Members("patroni_primary", 1, 0)),
        };
        yield return new("PatroniMultiplePrimaries", "sum(patroni_primary{job=\"patroni\"}) > 1", "1m", Critical,
            "more than one PostgreSQL primary", "{{ $value }} Patroni members report primary: split brain.")
        {
            Proof = new(Members("patroni_primary", 1, 1), Members("patroni_primary", 1, 0)),
        };
        yield return new("PatroniReplicationLag",
            "(scalar(max(patroni_xlog_location{job=\"patroni\"})) - patroni_xlog_replayed_location{job=\"patroni\"} > 268435456) and on(instance) patroni_replica{job=\"patroni\"} == 1",
            "5m", Warning, "replica more than 256 MiB behind", "{{ $labels.host }} has replayed {{ $value | humanize1024 }}B less WAL than the primary.")
        {
            // The primary at 1 GB of WAL; the replica 1 GB behind, then 1 MB behind.
            Proof = new(Lag(1_000_000_000), Lag(1_000_000)),
        };
        if (PatroniSettings.Synchronous(ctx.Site))
            yield return new("PatroniNoSyncStandby", "sum(patroni_sync_standby{job=\"patroni\"}) < 1", "2m", Critical,
                "no synchronous standby", "The site runs synchronous_mode, but no member is the synchronous standby: a failover could lose commits.")
            {
                Proof = new(Members("patroni_sync_standby", 0, 0), Members("patroni_sync_standby", 0, 1)),
            };
        yield return new("PatroniPendingRestart", "patroni_pending_restart{job=\"patroni\"} == 1", "1h", Warning,
            "PostgreSQL needs a restart", "{{ $labels.host }} has settings that apply only after a restart.")
        {
            Proof = AlertProof.Gauge("patroni_pending_restart{job=\"patroni\",host=\"pg1\"}", 1, 0) with { At = "75m" },
        };
    }

    /// <summary>A two-member cluster's <paramref name="metric"/>: the values of pg1 and pg2.</summary>
    private static IReadOnlyList<string> Members(string metric, double first, double second) =>
        AlertProof.Steady(($"{metric}{{job=\"patroni\",instance=\"pg1\"}}", first), ($"{metric}{{job=\"patroni\",instance=\"pg2\"}}", second));

    private static IReadOnlyList<string> Lag(double bytes) =>
        AlertProof.Steady(
            ("patroni_xlog_location{job=\"patroni\",instance=\"pg1\"}", 1e9),
            ("patroni_replica{job=\"patroni\",instance=\"pg1\"}", 0),
            ("patroni_xlog_replayed_location{job=\"patroni\",instance=\"pg2\"}", 1e9 - bytes),
            ("patroni_replica{job=\"patroni\",instance=\"pg2\"}", 1));
}

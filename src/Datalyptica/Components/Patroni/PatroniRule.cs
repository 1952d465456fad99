using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Components.Patroni;

/// <summary>
/// Patroni must run with a synchronous standby (RPO 0), and its timing must satisfy
/// loop_wait + 2 × retry_timeout ≤ ttl with ttl ≥ 20 (Patroni docs, dynamic_configuration).
/// </summary>
public sealed class PatroniRule : IValidationRule
{
    public IEnumerable<Diagnostic> Check(Site site)
    {
        if (!site.HostsWith(PatroniComponent.Member).Any()) yield break;
        var members = site.HostsWith(PatroniComponent.Member).Count();
        // Absent means the platform default, which is synchronous (RPO 0); only an explicit false is an error.
        if (!PatroniSettings.Synchronous(site))
            yield return new Diagnostic(FindingCodes.PatroniNotSynchronous,
                "Patroni runs without synchronous replication: a failover can lose acknowledged commits (the platform promises RPO 0).",
                "set patroni_synchronous_mode: true.", PatroniSettings.SynchronousMode.SourceIn(site), PatroniSettings.SynchronousMode.Key);
        var syncCount = PatroniSettings.SynchronousNodeCount.Read(site);
        if (syncCount >= members)
            yield return new Diagnostic(FindingCodes.PatroniSyncCountTooHigh,
                $"patroni_synchronous_node_count {syncCount} leaves no member to fail over to among {members} PostgreSQL hosts.",
                $"set patroni_synchronous_node_count to {Math.Max(1, members - 1)} or add PostgreSQL hosts.",
                PatroniSettings.SynchronousNodeCount.SourceIn(site), PatroniSettings.SynchronousNodeCount.Key);

        // Each value's own range (ttl >= 20, loop_wait >= 1, retry_timeout >= 3) is its declaration's (PatroniSettings, DL551).
        var (ttl, loop, retry) = PatroniRenderer.Timing(site);
        var (source, key) = Setter(site, PatroniSettings.LoopWait, PatroniSettings.RetryTimeout, PatroniSettings.Ttl);
        if (loop + 2 * retry > ttl)
            yield return new Diagnostic(FindingCodes.PatroniTimingExceedsTtl,
                $"loop_wait {loop} + 2 × retry_timeout {retry} = {loop + 2 * retry} exceeds ttl {ttl}: the leader can lose its lock while still retrying.",
                "lower patroni_loop_wait / patroni_retry_timeout or raise patroni_ttl so that loop_wait + 2 × retry_timeout ≤ ttl.",
                source, key);
    }

    // The file and key to point at: the first of these the site sets (the one a person most likely just changed).
    private static (SourceRef? Source, string Key) Setter(Site site, params SettingSpec[] settings) =>
        settings.Select(s => (s.Find(site)?.Source, s.Key)).FirstOrDefault(x => x.Source is not null, (site.Source, settings[^1].Key));
}

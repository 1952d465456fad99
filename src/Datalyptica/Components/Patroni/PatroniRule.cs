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
        var sync = site.Var("patroni_synchronous_mode");
        // Absent means the platform default, which is synchronous (RPO 0); only an explicit false is an error.
        if (!site.BoolVar("patroni_synchronous_mode", true))
            yield return new Diagnostic(FindingCodes.PatroniNotSynchronous,
                "Patroni runs without synchronous replication: a failover can lose acknowledged commits (the seed promises RPO 0).",
                "set patroni_synchronous_mode: true.", sync?.Source ?? site.Source, "patroni_synchronous_mode");
        var syncCount = site.IntVar("patroni_synchronous_node_count", 1);
        if (syncCount >= members)
            yield return new Diagnostic(FindingCodes.PatroniSyncCountTooHigh,
                $"patroni_synchronous_node_count {syncCount} leaves no member to fail over to among {members} PostgreSQL hosts.",
                $"set patroni_synchronous_node_count to {Math.Max(1, members - 1)} or add PostgreSQL hosts.",
                site.Var("patroni_synchronous_node_count")?.Source ?? site.Source, "patroni_synchronous_node_count");

        // The renderer's defaults (20/3/8): with other ones here, a site valid to validate failed in render (found on the lab).
        int ttl = site.IntVar("patroni_ttl", PatroniRenderer.DefaultTtl), loop = site.IntVar("patroni_loop_wait", PatroniRenderer.DefaultLoopWait),
            retry = site.IntVar("patroni_retry_timeout", PatroniRenderer.DefaultRetryTimeout);
        if (ttl < 20)
            yield return new Diagnostic(FindingCodes.PatroniTtlTooLow, $"patroni_ttl {ttl} is below Patroni's minimum of 20 seconds.",
                "set patroni_ttl to 20 or more.", site.Var("patroni_ttl")?.Source ?? site.Source, "patroni_ttl");
        var (source, key) = Setter(site, "patroni_loop_wait", "patroni_retry_timeout", "patroni_ttl");
        if (loop + 2 * retry > ttl)
            yield return new Diagnostic(FindingCodes.PatroniTimingExceedsTtl,
                $"loop_wait {loop} + 2 × retry_timeout {retry} = {loop + 2 * retry} exceeds ttl {ttl}: the leader can lose its lock while still retrying.",
                "lower patroni_loop_wait / patroni_retry_timeout or raise patroni_ttl so that loop_wait + 2 × retry_timeout ≤ ttl.",
                source, key);
    }

    // The file and key to point at: the first of these the site sets (the one a person most likely just changed).
    private static (SourceRef? Source, string Key) Setter(Site site, params string[] keys) =>
        keys.Select(k => (site.Var(k)?.Source, k)).FirstOrDefault(x => x.Source is not null, (site.Source, keys[^1]));
}

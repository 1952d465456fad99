using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Components.Etcd;

/// <summary>
/// etcd's election timeout must be at least 5 heartbeats, or followers start elections while the leader is healthy
/// (https://etcd.io/docs/v3.5/tuning/). Each value's own range is its declaration's (EtcdSettings, DL551).
/// </summary>
public sealed class EtcdTimingRule : IValidationRule
{
    public IEnumerable<Diagnostic> Check(Site site)
    {
        if (!site.HostsWith(EtcdComponent.Member).Any()) yield break;
        var heartbeat = EtcdSettings.HeartbeatInterval.Read(site);
        var election = EtcdSettings.ElectionTimeout.Read(site);
        if (election >= 5 * heartbeat) yield break;
        var blamed = EtcdSettings.ElectionTimeout.IsSet(site) ? EtcdSettings.ElectionTimeout : EtcdSettings.HeartbeatInterval;
        yield return new Diagnostic(FindingCodes.EtcdElectionTooShort,
            $"etcd_election_timeout {election} ms is less than 5 x etcd_heartbeat_interval ({heartbeat} ms): followers would start elections under a healthy leader.",
            $"raise etcd_election_timeout to at least {5 * heartbeat} ms or lower etcd_heartbeat_interval (https://etcd.io/docs/v3.5/tuning/).",
            blamed.SourceIn(site), blamed.Key);
    }
}

using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Components.Kafka;

/// <summary>Kafka brokers ≥ replication factor > min.insync.replicas ≥ 1, so acks=all writes survive a broker loss.</summary>
public sealed class KafkaDurabilityRule : IValidationRule
{
    public IEnumerable<Diagnostic> Check(Site site)
    {
        if (!site.HostsWith(KafkaComponent.Broker).Any()) yield break;
        var brokers = site.HostsWith(KafkaComponent.Broker).Count();
        var rf = KafkaSettings.ReplicationFactor.Read(site);
        var isr = KafkaSettings.MinInsyncReplicas.Read(site);
        var rfSource = KafkaSettings.ReplicationFactor.SourceIn(site);
        var isrSource = KafkaSettings.MinInsyncReplicas.SourceIn(site);

        if (rf > brokers)
            yield return new Diagnostic(FindingCodes.KafkaReplicationAboveBrokers,
                $"Kafka replication factor {rf} is larger than the {brokers} broker(s) in group 'kafka_broker'; topics cannot be created.",
                $"add brokers or set {KafkaSettings.ReplicationFactor.Key} to at most {brokers}.", rfSource, KafkaSettings.ReplicationFactor.Key);
        if (isr >= rf)
            yield return new Diagnostic(FindingCodes.KafkaInsyncNotBelowReplication,
                $"min.insync.replicas {isr} is not below the replication factor {rf}: one broker down stops every acks=all write.",
                $"set {KafkaSettings.MinInsyncReplicas.Key} to {Math.Max(1, rf - 1)} (or raise {KafkaSettings.ReplicationFactor.Key}).",
                isrSource, KafkaSettings.MinInsyncReplicas.Key);
        if (isr < 2 && rf >= 3)
            yield return new Diagnostic(FindingCodes.KafkaSingleInsyncReplica,
                $"min.insync.replicas {isr} lets an acknowledged write live on a single broker (RPO > 0).",
                $"set {KafkaSettings.MinInsyncReplicas.Key} to 2.", isrSource, KafkaSettings.MinInsyncReplicas.Key);
        // A present id of the wrong form is the generic setting rule's (DL551); this one is about a missing id.
        if (!KafkaSettings.ClusterId.IsSet(site))
            yield return new Diagnostic(FindingCodes.KafkaClusterIdMissing,
                "the KRaft cluster id is missing; every node must be formatted once with the same id.",
                $"keep the {KafkaSettings.ClusterId.Key} that init wrote (or set one from `kafka-storage random-uuid`); never change it after the first apply.",
                KafkaSettings.ClusterId.SourceIn(site), KafkaSettings.ClusterId.Key);
    }
}

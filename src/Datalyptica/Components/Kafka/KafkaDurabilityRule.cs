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
        var rf = site.IntVar(KafkaComponent.ReplicationFactorKey, KafkaComponent.DefaultReplicationFactor);
        var isr = site.IntVar(KafkaComponent.MinInsyncReplicasKey, KafkaComponent.DefaultMinInsyncReplicas);
        var rfSource = site.Var(KafkaComponent.ReplicationFactorKey)?.Source ?? site.Source;
        var isrSource = site.Var(KafkaComponent.MinInsyncReplicasKey)?.Source ?? site.Source;

        if (rf > brokers)
            yield return new Diagnostic(FindingCodes.KafkaReplicationAboveBrokers,
                $"Kafka replication factor {rf} is larger than the {brokers} broker(s) in group 'kafka_broker'; topics cannot be created.",
                $"add brokers or set {KafkaComponent.ReplicationFactorKey} to at most {brokers}.", rfSource, KafkaComponent.ReplicationFactorKey);
        if (isr >= rf)
            yield return new Diagnostic(FindingCodes.KafkaInsyncNotBelowReplication,
                $"min.insync.replicas {isr} is not below the replication factor {rf}: one broker down stops every acks=all write.",
                $"set {KafkaComponent.MinInsyncReplicasKey} to {Math.Max(1, rf - 1)} (or raise {KafkaComponent.ReplicationFactorKey}).",
                isrSource, KafkaComponent.MinInsyncReplicasKey);
        if (isr < 2 && rf >= 3)
            yield return new Diagnostic(FindingCodes.KafkaSingleInsyncReplica,
                $"min.insync.replicas {isr} lets an acknowledged write live on a single broker (RPO > 0).",
                $"set {KafkaComponent.MinInsyncReplicasKey} to 2.", isrSource, KafkaComponent.MinInsyncReplicasKey);
        if (site.Var(KafkaComponent.ClusterIdKey)?.AsString() is not { Length: 22 })
            yield return new Diagnostic(FindingCodes.KafkaClusterIdInvalid,
                "the KRaft cluster id is missing or not a 22-character base64 id; every node must be formatted once with the same id.",
                $"keep the {KafkaComponent.ClusterIdKey} that init wrote (or set one from `kafka-storage random-uuid`); never change it after the first apply.",
                site.Var(KafkaComponent.ClusterIdKey)?.Source ?? site.Source, KafkaComponent.ClusterIdKey);
    }
}

using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;

namespace Datalyptica.Components.Kafka;

/// <summary>
/// Kafka (KRaft) runs as its own system user; we render its units. They restart on any change of its files. Before a
/// role's unit first starts, its storage is formatted once per node (the unit's ExecStartPre refuses unformatted storage).
/// </summary>
public static class KafkaLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own("kafka", "Datalyptica Kafka (KRaft)"),
        Units =
        [
            new(KafkaRenderer.BrokerUnit, UnitSource.Rendered, OnConfigChange.Restart),
            new(KafkaRenderer.ControllerUnit, UnitSource.Rendered, OnConfigChange.Restart),
            // Only on a standby site's brokers (KafkaMirrorMaker); reads only its own properties.
            new(KafkaMirrorMaker.Unit, UnitSource.Rendered, OnConfigChange.Restart)
                { Reads = [KafkaMirrorMaker.Properties, PlatformPaths.Unit(KafkaMirrorMaker.Unit)] },
        ],
        Commands = FormatStorage,
    };

    /// <summary>
    /// First start, every node, each role on its own: <c>kafka-storage.sh format -t CLUSTER_ID -c ROLE.properties</c>
    /// (https://kafka.apache.org/documentation/#kraft_storage), guarded by meta.properties in every storage directory of
    /// the role. Controllers of a static quorum (controller.quorum.voters, Kafka 3.9) take the plain format: no
    /// --standalone or --initial-controllers (KIP-853's dynamic quorum). A run restarts only that role's unit (a broker
    /// that got a new data disk; on a first apply the unit is not running yet).
    /// </summary>
    private static IEnumerable<GuardedCommand> FormatStorage(Site site, Host host)
    {
        foreach (var (role, unit, controller) in new[]
                 { (KafkaComponent.Controller, KafkaRenderer.ControllerUnit, true), (KafkaComponent.Broker, KafkaRenderer.BrokerUnit, false) })
        {
            if (!host.Has(role)) continue;
            yield return new GuardedCommand($"kafka-storage-format-{(controller ? "controller" : "broker")}",
                KafkaRenderer.FormatCommand(site, host, controller), KafkaRenderer.FormattedCheck(host, controller),
                $"a storage directory of the {(controller ? "controller" : "broker")} has no meta.properties (never formatted)")
            { When = CommandPhase.BeforeServices, Restarts = [unit] };
        }
    }
}

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
            // One broker at a time, the next only once no partition is under-replicated; controllers one at a time, the
            // active one last (a changed setting or a version bump never takes the whole cluster or the quorum down).
            new(KafkaRenderer.BrokerUnit, UnitSource.Rendered, OnConfigChange.Restart) { Rolling = (_, host) => BrokerRolling(host) },
            new(KafkaRenderer.ControllerUnit, UnitSource.Rendered, OnConfigChange.Restart) { Rolling = ControllerRolling },
            // Only on a standby site's brokers (KafkaMirrorMaker); reads only its own properties.
            new(KafkaMirrorMaker.Unit, UnitSource.Rendered, OnConfigChange.Restart)
                { Reads = [KafkaMirrorMaker.Properties, PlatformPaths.Unit(KafkaMirrorMaker.Unit)] },
        ],
        Commands = FormatStorage,
    };

    /// <summary>A Kafka tool on the member; kafka-run-class.sh creates LOG_DIR, so it goes to /run, not the install folder.</summary>
    private static string Tool(string name) => $"LOG_DIR=/run/datalyptica-kafka-tools {KafkaRenderer.Home}/bin/{name}";

    /// <summary>
    /// A restarted broker is back when the cluster lists no under-replicated partition (kafka-topics.sh --describe
    /// --under-replicated-partitions prints nothing): only then may the next broker stop. Its SIGTERM is a controlled
    /// shutdown (leadership moves first); catching up after it can take minutes on a busy broker.
    /// </summary>
    public static RollingRestart BrokerRolling(Host host) => new(KafkaRenderer.BrokerUnit,
        $"out=$({Tool("kafka-topics.sh")} --bootstrap-server {host.Endpoint(KafkaComponent.BrokerPort)} --describe --under-replicated-partitions 2>/dev/null) && [ -z \"$out\" ]",
        TimeoutSeconds: 600);

    /// <summary>
    /// A restarted controller is back when the quorum it answers for has a leader (kafka-metadata-quorum.sh describe
    /// --status, KIP-919's --bootstrap-controller, Kafka 3.7+); the member that is the quorum's leader goes last.
    /// </summary>
    public static RollingRestart ControllerRolling(Site site, Host host)
    {
        var status = $"{Tool("kafka-metadata-quorum.sh")} --bootstrap-controller {host.Endpoint(KafkaComponent.ControllerPort)} describe --status 2>/dev/null";
        return new RollingRestart(KafkaRenderer.ControllerUnit, $"{status} | grep -Eq '^LeaderId:[[:space:]]+[0-9]+$'", TimeoutSeconds: 300)
        {
            LeaderCheck = $"{status} | grep -Eq '^LeaderId:[[:space:]]+{KafkaRenderer.ControllerId(site, host)}$'",
        };
    }

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

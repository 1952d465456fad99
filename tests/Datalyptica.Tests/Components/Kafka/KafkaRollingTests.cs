using Datalyptica.Components.Kafka;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Kafka;

/// <summary>
/// The rolling gates apply and restart use for Kafka, run as apply runs them (bash on the member). Kafka cannot run here
/// (no release archive in Debian, NuGet or npm), so kafka-topics.sh and kafka-metadata-quorum.sh are small scripts that
/// print what Kafka 3.9's tools print (the output layouts in Kafka's operations guide, "Monitoring KRaft" and
/// kafka-topics --describe); what is tested is how the gates read them.
/// </summary>
public sealed class KafkaRollingTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("dl-kafka-tools-").FullName;

    public void Dispose() => Directory.Delete(_home, true);

    /// <summary>A fake tool in the fake install: prints <paramref name="output"/> and exits <paramref name="exit"/>.</summary>
    private void Tool(string name, string output, int exit = 0)
    {
        var bin = Directory.CreateDirectory(Path.Combine(_home, "bin")).FullName;
        File.WriteAllText(Path.Combine(bin, name), $"#!/bin/sh\ncat <<'OUT'\n{output}\nOUT\nexit {exit}\n");
        File.SetUnixFileMode(Path.Combine(bin, name), (UnixFileMode)0b111_101_101);
    }

    private int Run(string command) => Tests.Rendering.Tool.Run("bash", ["-c", command.Replace(PlatformPaths.Current("kafka"), _home)]).ExitCode;

    private const string QuorumStatus = """
        ClusterId:              MkU3OEVBNTcwNTJENDM2Qk
        LeaderId:               {0}
        LeaderEpoch:            2
        HighWatermark:          10
        MaxFollowerLag:         0
        MaxFollowerLagTimeMs:   0
        CurrentVoters:          [9991,9992,9993]
        CurrentObservers:       [1,2,3,4,5,6]
        """;

    [Fact]
    public void The_next_broker_waits_until_no_partition_is_under_replicated()
    {
        var broker = RenderedSites.Production.Site.HostsWith(KafkaComponent.Broker).First();
        var gate = KafkaLifecycle.BrokerRolling(broker);
        gate.HealthCheck.ShouldContain($"--bootstrap-server {broker.Address}:{broker.Port(KafkaComponent.BrokerPort)}");
        gate.TimeoutSeconds.ShouldBeGreaterThanOrEqualTo(300, "a busy broker catches up for minutes");

        Tool("kafka-topics.sh", "\tTopic: orders\tPartition: 1\tLeader: 2\tReplicas: 2,3,1\tIsr: 2,3");
        Run(gate.HealthCheck).ShouldNotBe(0, "a partition is under-replicated");
        Tool("kafka-topics.sh", "");
        Run(gate.HealthCheck).ShouldBe(0, "none is");
        Tool("kafka-topics.sh", "", exit: 1);
        Run(gate.HealthCheck).ShouldNotBe(0, "the broker does not answer yet");
    }

    [Fact]
    public void Controllers_wait_for_a_quorum_leader_and_the_leader_goes_last()
    {
        var site = RenderedSites.Production.Site;
        var controllers = site.HostsWith(KafkaComponent.Controller).ToList();
        controllers.Count.ShouldBe(3);
        var ids = controllers.Select(h => KafkaRenderer.ControllerId(site, h)).ToList();
        ids.ShouldBe([9991, 9992, 9993], "the node ids the renderer gives (cp-ansible numbering)");
        var gates = controllers.Select(h => KafkaLifecycle.ControllerRolling(site, h)).ToList();

        Tool("kafka-metadata-quorum.sh", string.Format(QuorumStatus, 9992));
        gates.ShouldAllBe(g => Run(g.HealthCheck) == 0);
        gates.Select(g => Run(g.LeaderCheck!)).ShouldBe([1, 0, 1], "only 9992 leads");

        Tool("kafka-metadata-quorum.sh", string.Format(QuorumStatus, -1));
        gates.ShouldAllBe(g => Run(g.HealthCheck) != 0, "no leader: not healthy");
        gates.ShouldAllBe(g => Run(g.LeaderCheck!) != 0);
        Tool("kafka-metadata-quorum.sh", "", exit: 1);
        gates.ShouldAllBe(g => Run(g.HealthCheck) != 0, "the controller does not answer yet");
    }

    [Fact]
    public void Both_kafka_units_restart_one_member_at_a_time()
    {
        var lifecycle = new KafkaComponent().Lifecycle;
        var site = RenderedSites.Production.Site;
        foreach (var (unit, role) in new[] { (KafkaRenderer.BrokerUnit, KafkaComponent.Broker), (KafkaRenderer.ControllerUnit, KafkaComponent.Controller) })
        {
            var declared = lifecycle.Units.Single(u => u.Name == unit);
            declared.Rolling.ShouldNotBeNull(unit);
            declared.Rolling!(site, site.HostsWith(role).First()).Group.ShouldBe(unit);
        }
    }
}

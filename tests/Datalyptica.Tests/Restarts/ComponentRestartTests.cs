using System.Net;
using Datalyptica.Components;
using Datalyptica.Components.Etcd;
using Datalyptica.Components.Patroni;
using Datalyptica.Components.Redis;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Drilling;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Transport;
using Datalyptica.Model;
using Datalyptica.Restarts;
using Datalyptica.Secrets;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Restarts;

public class ComponentRestartTests
{
    private static Site Production => RenderedSites.Production.Site;

    [Fact]
    public void Members_are_the_components_hosts_with_the_units_apply_manages_there()
    {
        var patroni = ComponentRestart.Members(Production, ComponentCatalog.Get("patroni"), null);
        patroni.Select(m => m.Host.Name).ShouldBe(Production.HostsWith(PatroniComponent.Member).Select(h => h.Name));
        patroni.ShouldAllBe(m => m.UnitNames.First() == "patroni");

        var redis = ComponentRestart.Members(Production, ComponentCatalog.Get("redis"), null);
        foreach (var member in redis)
        {
            member.UnitNames.Contains("redis-server").ShouldBe(member.Host.Has(RedisComponent.Data), member.Host.Name);
            member.UnitNames.Contains("redis-sentinel").ShouldBe(member.Host.Has(RedisComponent.Sentinel), member.Host.Name);
        }
        // PostgreSQL itself runs under Patroni: its component's own units are the exporter and pgBackRest's server.
        ComponentRestart.Members(Production, ComponentCatalog.Get("postgresql"), null)
            .ShouldAllBe(m => !m.UnitNames.Contains("patroni") && m.UnitNames.Contains("pgbackrest"));
    }

    [Fact]
    public void A_limit_keeps_only_the_members_it_names()
    {
        var all = Production.HostsWith(EtcdComponent.Member).Select(h => h.Name).ToList();
        var limited = ComponentRestart.Members(Production, ComponentCatalog.Get("etcd"), new HashSet<string> { all[1], "not-a-member" });
        limited.Select(m => m.Host.Name).ShouldBe([all[1]]);
    }

    [Fact]
    public void Patroni_hands_over_by_switchover_and_Redis_through_Sentinel_with_no_secret_in_either_command()
    {
        var pg = Production.HostsWith(PatroniComponent.Member).First();
        var patroni = ComponentCatalog.Get("patroni").Lifecycle.Units.Single(u => u.Name == "patroni").HandOver.ShouldNotBeNull()(Production, pg);
        patroni.Command.ShouldBe($"patronictl -c /etc/patroni/config.yml switchover --leader {pg.Name} --force");
        patroni.LeaderCheck.ShouldContain($"http://{pg.Address}:{pg.Port(PatroniComponent.RestApi)}/leader");

        var data = Production.HostsWith(RedisComponent.Data).First();
        var redis = ComponentCatalog.Get("redis").Lifecycle.Units.Single(u => u.Name == "redis-server").HandOver.ShouldNotBeNull()(Production, data);
        redis.Command.ShouldContain($"sentinel failover {RedisRenderer.MasterName(Production)}");
        redis.LeaderCheck.ShouldContain("role:master");
        // The password is read on the host from its auth file, never written into the command.
        redis.LeaderCheck.ShouldContain($"REDISCLI_AUTH=\"$(cat {RedisRenderer.CliAuthPath})\"");
    }

    /// <summary>
    /// Three members on this machine (a local shell each), the "cluster" kept in files: who leads, who restarted, in
    /// which order. The component is healthy unless a member's "broken" file exists.
    /// </summary>
    private sealed class FileCluster : IDisposable
    {
        public readonly DirectoryInfo Dir = Directory.CreateTempSubdirectory("dl-restart-");
        public readonly List<string> Log = [];

        public string PathOf(string name) => Path.Combine(Dir.FullName, name);

        public RestartMember Member(string host) => new(
            new Host(host, IPAddress.Loopback, Tier.Coordination, 2, 8, [], ["test"]),
            [new UnitSpec("test-unit", UnitSource.Package, OnConfigChange.Restart)
            {
                HandOver = (_, h) => new LeaderHandOver($"test -f {RemoteCommand.Quote(PathOf("leader-" + h.Name))}",
                    // Moves leadership to the first other member, as a switchover would.
                    $"rm {RemoteCommand.Quote(PathOf("leader-" + h.Name))} && touch {RemoteCommand.Quote(PathOf("leader-moved"))} && echo handover-{h.Name} >> {RemoteCommand.Quote(PathOf("events"))}",
                    "test hand-over") { TimeoutSeconds = 5 },
            }]);

        public string Restart(RestartMember m) =>
            $"test ! -f {RemoteCommand.Quote(PathOf("fail-" + m.Host.Name))} && echo restart-{m.Host.Name} >> {RemoteCommand.Quote(PathOf("events"))}";

        public IReadOnlyList<string> Events => File.Exists(PathOf("events")) ? File.ReadAllLines(PathOf("events")) : [];

        public void Dispose() => Dir.Delete(true);
    }

    private sealed class LocalContext(Site site, Func<IReadOnlyList<string>> health) : DrillContext("/site", site, new Dictionary<string, Secret>(), _ => { })
    {
        protected override IHostTransport Connect(Host host, TimeSpan connectTimeout, TimeSpan commandTimeout) => new LocalTransport(host.Name, commandTimeout: commandTimeout);
        public override void CrashLabHost(string host) => throw new NotSupportedException();
        public override Task StartLabHostAsync(string host, CancellationToken cancellation) => throw new NotSupportedException();
        public override Task<IReadOnlyList<string>> BootStoppedLabHostsAsync(CancellationToken cancellation) => throw new NotSupportedException();
        public override Task<IReadOnlyList<string>> HealthProblemsAsync(CancellationToken cancellation, string? component = null) => Task.FromResult(health());
    }

    private static Site SiteOf(IEnumerable<RestartMember> members) =>
        new("t", "test", SiteRole.Primary, "example.test", members.Select(m => m.Host).ToList(), [], null, new Dictionary<string, string>());

    [Fact]
    public async Task The_leader_goes_last_after_its_hand_over_and_every_member_is_restarted_once()
    {
        using var cluster = new FileCluster();
        var members = new[] { "m1", "m2", "m3" }.Select(cluster.Member).ToList();
        File.WriteAllText(cluster.PathOf("leader-m1"), "");
        var context = new LocalContext(SiteOf(members), () => []);

        var order = await ComponentRestart.OrderAsync(context, members, CancellationToken.None);
        order.Select(o => (o.Member.Host.Name, o.Leads)).ShouldBe([("m2", false), ("m3", false), ("m1", true)]);

        var result = await ComponentRestart.RunAsync(context, ComponentCatalog.Get("etcd"), order.Select(o => o.Member).ToList(),
            TimeSpan.FromSeconds(10), _ => { }, CancellationToken.None, cluster.Restart);
        result.Completed.ShouldBeTrue(string.Join("; ", result.Steps.Select(s => s.Problem)));
        cluster.Events.ShouldBe(["restart-m2", "restart-m3", "handover-m1", "restart-m1"]);
        result.Steps.Single(s => s.Host == "m1").ShouldSatisfyAllConditions(
            s => s.Led.ShouldBeTrue(), s => s.HandOver.ShouldBe("test hand-over"), s => s.HandOverTook.ShouldNotBeNull());
        result.Steps.ShouldAllBe(s => s.HealthyAfter != null);
    }

    [Fact]
    public async Task A_member_that_does_not_come_back_stops_the_restart_there_and_the_rest_stay_untouched()
    {
        using var cluster = new FileCluster();
        var members = new[] { "m1", "m2", "m3" }.Select(cluster.Member).ToList();
        File.WriteAllText(cluster.PathOf("leader-m3"), "");
        File.WriteAllText(cluster.PathOf("fail-m2"), "");
        var context = new LocalContext(SiteOf(members), () => []);

        var result = await ComponentRestart.RunAsync(context, ComponentCatalog.Get("etcd"), members, TimeSpan.FromSeconds(10), _ => { }, CancellationToken.None, cluster.Restart);
        result.Completed.ShouldBeFalse();
        var stopped = result.StoppedAt.ShouldNotBeNull();
        stopped.Host.ShouldBe("m2");
        stopped.Problem.ShouldNotBeNull().ShouldContain("m2");
        result.Steps.Count.ShouldBe(2);
        cluster.Events.ShouldBe(["restart-m1"]);
        File.Exists(cluster.PathOf("leader-m3")).ShouldBeTrue("the leader after the failed member was not handed over");
    }

    [Fact]
    public async Task A_member_that_restarts_but_leaves_the_component_unhealthy_stops_the_restart_after_the_wait()
    {
        using var cluster = new FileCluster();
        var members = new[] { "m1", "m2" }.Select(cluster.Member).ToList();
        var restarted = 0;
        var context = new LocalContext(SiteOf(members), () => cluster.Events.Count > restarted ? ["m1 replication: not streaming"] : []);

        var result = await ComponentRestart.RunAsync(context, ComponentCatalog.Get("etcd"), members, TimeSpan.FromSeconds(3), _ => { }, CancellationToken.None, cluster.Restart);
        var stopped = result.StoppedAt.ShouldNotBeNull();
        stopped.Host.ShouldBe("m1");
        stopped.Problem.ShouldNotBeNull().ShouldContain("not streaming");
        cluster.Events.ShouldBe(["restart-m1"]);
    }

    [Fact]
    public async Task An_unhealthy_component_is_refused_before_any_member_is_touched()
    {
        using var cluster = new FileCluster();
        var members = new[] { "m1", "m2" }.Select(cluster.Member).ToList();
        var context = new LocalContext(SiteOf(members), () => ["etcd m2 health: no leader"]);

        var refused = await Should.ThrowAsync<RestartRefusedException>(() =>
            ComponentRestart.RunAsync(context, ComponentCatalog.Get("etcd"), members, TimeSpan.FromSeconds(3), _ => { }, CancellationToken.None, cluster.Restart));
        refused.Message.ShouldContain("no leader");
        cluster.Events.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_member_that_fails_its_gate_after_an_upgrade_is_rolled_back_and_the_rest_stay_untouched()
    {
        using var cluster = new FileCluster();
        var members = new[] { "m1", "m2" }.Select(cluster.Member).ToList();
        // The "upgrade" writes the new version; the component is unhealthy while m1 runs it; the roll back writes the old one.
        var version = cluster.PathOf("version-m1");
        File.WriteAllText(version, "1\n");
        var context = new LocalContext(SiteOf(members), () => File.ReadAllText(version).Trim() == "2" ? ["m1: does not start on 2"] : []);

        var result = await ComponentRestart.RunAsync(context, ComponentCatalog.Get("etcd"), members, TimeSpan.FromSeconds(3), _ => { }, CancellationToken.None,
            restartCommand: m => $"echo 2 > {RemoteCommand.Quote(cluster.PathOf("version-" + m.Host.Name))} && echo upgrade-{m.Host.Name} >> {RemoteCommand.Quote(cluster.PathOf("events"))}",
            rollbackCommand: m => $"echo 1 > {RemoteCommand.Quote(cluster.PathOf("version-" + m.Host.Name))} && echo rollback-{m.Host.Name} >> {RemoteCommand.Quote(cluster.PathOf("events"))}");

        var stopped = result.StoppedAt.ShouldNotBeNull();
        stopped.Host.ShouldBe("m1");
        stopped.RolledBack.ShouldBe(true);
        stopped.Problem.ShouldNotBeNull().ShouldContain("does not start on 2");
        stopped.Problem.ShouldContain("rolled back");
        cluster.Events.ShouldBe(["upgrade-m1", "rollback-m1"]);
        File.ReadAllText(version).Trim().ShouldBe("1");
        File.Exists(cluster.PathOf("version-m2")).ShouldBeFalse("the member after the stop was not upgraded");
    }

    [Fact]
    public async Task A_roll_back_that_fails_says_so_and_the_member_is_not_reported_as_rolled_back()
    {
        using var cluster = new FileCluster();
        var members = new[] { "m1" }.Select(cluster.Member).ToList();
        var upgraded = false;
        var context = new LocalContext(SiteOf(members), () => upgraded ? ["m1: down"] : []);

        var result = await ComponentRestart.RunAsync(context, ComponentCatalog.Get("etcd"), members, TimeSpan.FromSeconds(2), _ => { }, CancellationToken.None,
            restartCommand: _ => { upgraded = true; return "true"; },
            rollbackCommand: _ => "echo 'E: Version not found' >&2; exit 100");

        var stopped = result.StoppedAt.ShouldNotBeNull();
        stopped.RolledBack.ShouldBe(false);
        stopped.Problem.ShouldNotBeNull().ShouldContain("roll back of m1 failed too");
    }
}

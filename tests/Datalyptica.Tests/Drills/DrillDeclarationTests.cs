using Datalyptica.Components;
using Datalyptica.Components.Etcd;
using Datalyptica.Components.Keepalived;
using Datalyptica.Components.Patroni;
using Datalyptica.Components.Redis;
using Datalyptica.Drills;

namespace Datalyptica.Tests.Drills;

/// <summary>Drills are declared by their components and run by one harness: the names, order and limits `drill` has always had.</summary>
public sealed class DrillDeclarationTests
{
    [Fact]
    public void Drill_all_runs_the_declared_drills_in_the_order_and_with_the_limits_of_issues_6_and_19()
    {
        // Each fault of a kind after the simpler ones of its component; the power loss of every host last.
        DrillRunner.Names.ShouldBe(["patroni-stop", "patroni-crash", "patroni-partition", "vip-stop", "vip-crash", "vip-split", "redis-crash", "redis-partition", "etcd-stop", "etcd-quorum-loss", "zookeeper-crash", "power-loss"]);
        DrillRunner.Declared.Select(d => d.Limit.TotalSeconds).ShouldBe([5, 30, 30, 1, 2, 2, 5, 6, 1, 2, 5, 180]);
        DrillRunner.Declared.Select(d => d.Order).ShouldBeUnique();
    }

    [Fact]
    public void The_drills_with_a_write_load_declare_it_so_their_verdict_requires_a_write_account()
    {
        // The VIP drills probe with TCP connects only; every other drill writes (PostgreSQL through the VIP, Redis via Sentinel).
        DrillRunner.Declared.Where(d => d.Writes).Select(d => d.Name).ShouldBe(["patroni-stop", "patroni-crash", "patroni-partition", "redis-crash", "redis-partition", "etcd-stop", "etcd-quorum-loss", "power-loss"]);
    }

    [Fact]
    public void Each_drill_lives_in_its_component_and_is_bounded_by_settings_the_catalog_declares()
    {
        new PatroniComponent().Drills.Select(d => d.Name).ShouldBe(["patroni-stop", "patroni-crash", "patroni-partition", "power-loss"]);
        new KeepalivedComponent().Drills.Select(d => d.Name).ShouldBe(["vip-stop", "vip-crash", "vip-split"]);
        new RedisComponent().Drills.Select(d => d.Name).ShouldBe(["redis-crash", "redis-partition"]);
        new EtcdComponent().Drills.Select(d => d.Name).ShouldBe(["etcd-stop", "etcd-quorum-loss"]);
        new Datalyptica.Components.ZooKeeper.ZooKeeperComponent().Drills.Select(d => d.Name).ShouldBe(["zookeeper-crash"]);
        var settings = ComponentCatalog.All.SelectMany(c => c.Settings).Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var drill in DrillRunner.Declared)
        {
            drill.BoundBy.ShouldNotBeEmpty(drill.Name);
            drill.BoundBy.Where(k => !settings.Contains(k)).ShouldBeEmpty($"{drill.Name} names settings no component declares");
        }
    }
}

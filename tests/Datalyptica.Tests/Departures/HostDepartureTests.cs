using System.Net;
using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Departures;
using Datalyptica.Model;
using Datalyptica.Sites;
using Datalyptica.Tests.Cli;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Departures;

/// <summary>What a host's departure plans, from the site before and after the inventory edit: never touching a host.</summary>
public sealed class HostDepartureTests : IDisposable
{
    private readonly SiteFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    /// <summary>The lab site with lab04 in postgresql and redis, and the same site after <paramref name="groups"/> (null: all) of lab04 are left.</summary>
    private (Site Before, Site After) Sites(string name, IReadOnlyCollection<string>? groups, string host = "lab04")
    {
        var site = _fx.Init("lab", name);
        InventoryEdit.AddHost(site, new NewHost("lab04", IPAddress.Parse("10.77.10.14"), ["postgresql", "redis", "catalog"], InventoryEdit.HostVarsOf(site, "lab03"))).Write();
        var before = SiteLoader.Load(site, () => _fx.Password).Site.ShouldNotBeNull();
        InventoryEdit.RemoveHost(site, host, groups).Write();
        var after = SiteLoader.Load(site, () => _fx.Password);
        return (before, after.Site.ShouldNotBeNull(string.Join("; ", after.Diagnostics.Select(d => d.Message))));
    }

    [Fact]
    public void A_replica_host_leaving_the_site_stops_what_it_ran_and_the_sentinels_forget_it()
    {
        var (before, after) = Sites("leave", null);
        var plan = HostDeparture.Plan(before, after, "lab04");
        plan.LeavesSite.ShouldBeTrue();
        plan.Refused.ShouldBeFalse(string.Join("; ", plan.Refusals));
        plan.Components.Select(c => c.Component.Id).ShouldBe(["redis", "patroni", "postgresql"], ignoreOrder: true);
        plan.Components.Single(c => c.Component.Id == "patroni").ManagedUnits.ShouldContain("patroni");
        plan.Components.Single(c => c.Component.Id == "redis").ManagedUnits.ShouldContain("redis-server");
        plan.Components.Single(c => c.Component.Id == "redis").ManagedUnits.ShouldNotContain("redis-sentinel", "lab04 runs no Sentinel");
        // Patroni stops before what it depends on: the reverse of the install order.
        var order = plan.Components.Select(c => c.Component.Id).ToList();
        order.IndexOf("patroni").ShouldBeLessThan(order.IndexOf("postgresql"));

        var lines = HostDeparture.Describe(before, plan, hostGone: false);
        lines.ShouldContain("  - lab04: unit patroni (stop, disable)");
        lines.ShouldContain(l => l.Contains("if it leads patroni, Patroni switchover", StringComparison.Ordinal));
        lines.ShouldContain(l => l.Contains("on each remaining redis_sentinel host: Sentinel forgets the departed node", StringComparison.Ordinal));
        lines.ShouldContain(l => l.StartsWith("  - lab04: /etc/systemd/system/patroni.service", StringComparison.Ordinal));
        HostDeparture.Describe(before, plan, hostGone: true).ShouldAllBe(l => !l.StartsWith("  - ", StringComparison.Ordinal) || l.EndsWith("(skipped: --host-gone)", StringComparison.Ordinal));
    }

    [Fact]
    public void Leaving_one_group_stops_only_that_groups_units()
    {
        var (before, after) = Sites("one", ["redis"]);
        var plan = HostDeparture.Plan(before, after, "lab04");
        plan.LeavesSite.ShouldBeFalse();
        plan.Components.Select(c => c.Component.Id).ShouldBe(["redis"]);
    }

    [Fact]
    public void A_consensus_member_cannot_leave_this_way_and_says_how()
    {
        var site = _fx.Init("development", "etcd");
        var before = SiteLoader.Load(site, () => _fx.Password).Site.ShouldNotBeNull();
        var etcdHost = before.HostsWith(global::Datalyptica.Components.Etcd.EtcdComponent.Member).First();
        // The plan is judged from the roles alone: the after-site may be invalid (fewer than 3 etcd members).
        var after = before with { Hosts = before.Hosts.Where(h => h.Name != etcdHost.Name).ToList() };
        var plan = HostDeparture.Plan(before, after, etcdHost.Name);
        plan.Refused.ShouldBeTrue();
        plan.Refusals.ShouldContain(r => r.Contains("cannot leave etcd", StringComparison.Ordinal) && r.Contains("etcdctl member remove", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_stop_command_and_departure_step_is_valid_bash()
    {
        var (before, after) = Sites("bash", null);
        var plan = HostDeparture.Plan(before, after, "lab04");
        var lab04 = before.Hosts.Single(h => h.Name == "lab04");
        var commands = plan.Components.Select(HostDeparture.StopCommand).ToList();
        foreach (var component in ComponentCatalog.All)
            foreach (var role in component.Roles)
                foreach (var step in component.DepartureOf(role).Drain.Concat(component.DepartureOf(role).AfterLeave))
                    commands.Add(step.Command(before, lab04, before.Hosts[0]));
        commands.Count.ShouldBeGreaterThan(4);
        foreach (var command in commands)
        {
            var check = Tool.Run("bash", ["-n"], stdin: command);
            check.ExitCode.ShouldBe(0, $"{command}\n{check.Stderr}");
        }
    }
}

using Datalyptica.Engine.Apply;
using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;
using Datalyptica.Secrets;
using Datalyptica.Tests.Engine;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Engine.Planning;

/// <summary>
/// Deletions (`-`): what apply put on a host is recorded there per layer, and what the site no longer wants is planned
/// as `-` changes and removed by apply, through the real fact script and /bin/sh under a temp root.
/// </summary>
public sealed class OwnershipTests : IDisposable
{
    private readonly TempRoot _root = new();
    private readonly TempRoot _site = new();
    private readonly LocalTestTransport _transport = new("h1");

    public OwnershipTests()
    {
        // The folders packages would have made on a host (the records' own folder is a resource of the plan).
        foreach (var dir in new[] { "/etc/datalyptica/etcd", "/etc/datalyptica/trino", "/etc/haproxy" }) Directory.CreateDirectory(_root[dir]);
    }

    public void Dispose() { _root.Dispose(); _site.Dispose(); }

    private PlanOptions Options => new() { Root = _root.Path };

    private ApplyOptions ApplyOptions => new()
    {
        JournalDirectory = _site["/journal"],
        Artifacts = new ArtifactStore(_site["/artifacts"]),
        Masker = new SecretMasker(),
        Parallelism = 1,
    };

    private static HostDesiredState Whole(params LayeredResource[] resources) => Ownership.WithRecords(new HostDesiredState("h1", resources));

    private static LayeredResource File(Layer layer, string path, string component) =>
        new(layer, new FileResource(path, $"{component} {path}\n", component));

    private async Task<Plan> PlanAsync(HostDesiredState desired) =>
        await Planner.PlanAsync("test", [desired], _ => _transport, Options, null, CancellationToken.None);

    private async Task ApplyAsync(Plan plan)
    {
        var result = await PlanApplier.ApplyAsync(plan, _ => _transport, ApplyOptions, CancellationToken.None);
        result.Status.ShouldBe(ApplyStatus.Completed, result.Message);
    }

    [Fact]
    public async Task A_file_or_a_whole_layer_the_site_no_longer_has_is_planned_as_a_deletion_applied_and_then_planned_as_nothing()
    {
        var base1 = File(Layer.Prerequisites, "/etc/datalyptica/base.conf", "os-base");
        var keep = File(Layer.Coordination, "/etc/datalyptica/etcd/keep.conf", "etcd");
        var drop = File(Layer.Coordination, "/etc/datalyptica/etcd/drop.conf", "etcd");
        var lb = File(Layer.LoadBalancer, "/etc/haproxy/haproxy.cfg", "haproxy");
        await ApplyAsync(await PlanAsync(Whole(base1, keep, drop, lb)));
        System.IO.File.ReadAllText(_root[Ownership.PathFor(Layer.Coordination)])
            .ShouldContain("file\tetcd\t/etc/datalyptica/etcd/drop.conf\n");
        System.IO.File.Exists(_root[Ownership.PathFor(Layer.LoadBalancer)]).ShouldBeTrue();
        (await PlanAsync(Whole(base1, keep, drop, lb))).PendingCount.ShouldBe(0, "a second plan of the same site changes nothing");

        var plan = await PlanAsync(Whole(base1, keep));
        var host = plan.Hosts.Single();
        var text = PlanHumanView.Render(plan);
        host.Pending.Where(c => c.Action == ChangeAction.Delete).Select(c => c.ResourceId).ShouldBe(
            ["file:/etc/datalyptica/etcd/drop.conf", "file:/etc/haproxy/haproxy.cfg", $"file:{Ownership.PathFor(Layer.LoadBalancer)}"], text);
        host.Pending.Single(c => c.Action == ChangeAction.Update).ResourceId.ShouldBe($"file:{Ownership.PathFor(Layer.Coordination)}", text);
        text.ShouldContain("- file:/etc/datalyptica/etcd/drop.conf  etcd no longer renders it for this host: delete");
        text.ShouldContain("Plan: 0 to add, 1 to change, 3 to destroy, 0 to restart.");
        // The deletion comes first in its layer, before the record that no longer lists it.
        var coordination = host.Pending.Where(c => c.Layer == Layer.Coordination).Select(c => c.Action).ToList();
        coordination.ShouldBe([ChangeAction.Delete, ChangeAction.Update]);

        await ApplyAsync(plan);
        System.IO.File.Exists(_root["/etc/datalyptica/etcd/drop.conf"]).ShouldBeFalse();
        System.IO.File.Exists(_root["/etc/haproxy/haproxy.cfg"]).ShouldBeFalse();
        System.IO.File.Exists(_root[Ownership.PathFor(Layer.LoadBalancer)]).ShouldBeFalse();
        System.IO.File.Exists(_root["/etc/datalyptica/etcd/keep.conf"]).ShouldBeTrue();
        var again = await PlanAsync(Whole(base1, keep));
        again.PendingCount.ShouldBe(0, PlanHumanView.Render(again));
    }

    [Fact]
    public async Task A_file_deleted_by_hand_is_not_planned_again_and_a_part_of_a_desired_state_never_deletes()
    {
        var base1 = File(Layer.Prerequisites, "/etc/datalyptica/base.conf", "os-base");
        var trino = File(Layer.Query, "/etc/datalyptica/trino/config.properties", "trino");
        await ApplyAsync(await PlanAsync(Whole(base1, trino)));

        // An upgrade plans one component: a partial state says nothing about what else the host should have.
        var partial = new HostDesiredState("h1", [trino]);
        (await PlanAsync(partial)).Hosts.Single().Changes.ShouldNotContain(c => c.Action == ChangeAction.Delete);

        System.IO.File.Delete(_root["/etc/datalyptica/trino/config.properties"]);
        var plan = await PlanAsync(Whole(base1));
        // The file is already gone: only the query layer's record remains to be deleted.
        plan.Hosts.Single().Pending.Select(c => c.ResourceId).ShouldBe([$"file:{Ownership.PathFor(Layer.Query)}"], PlanHumanView.Render(plan));
    }

    [Theory]
    [InlineData("file\tetcd\t/etc/../root/.ssh/authorized_keys")]
    [InlineData("file\tetcd\t/root/.bashrc")]
    [InlineData("file\tetcd\t/etc/x;rm -rf /")]
    [InlineData("file\tetcd\t/etc/x y")]
    [InlineData("file\tEtcd\t/etc/datalyptica/etcd/a.conf")]
    [InlineData("unit\tetcd\tetcd;reboot")]
    [InlineData("unit\tetcd\t--no-block")]
    [InlineData("unit-file\tetcd\t/etc/datalyptica/not-a-unit")]
    [InlineData("dir\tetcd\t/var/lib/datalyptica/etcd")]
    [InlineData("file\tetcd\t/etc/a\textra")]
    [InlineData("file\tetcd\t/etc/\u001b]0;owned\u0007")]
    public void A_record_line_that_is_not_clean_is_ignored_with_a_warning_and_never_deleted(string line)
    {
        var facts = new HostFacts { Owned = [new OwnedLine("coordination", null), new OwnedLine("coordination", line)] };
        var desired = Whole(File(Layer.Prerequisites, "/etc/datalyptica/base.conf", "os-base"), File(Layer.Coordination, "/etc/datalyptica/etcd/keep.conf", "etcd"));
        var plan = Planner.PlanHost(desired, facts, new PlanOptions());
        plan.Changes.ShouldNotContain(c => c.Action == ChangeAction.Delete);
        plan.Warnings.ShouldContain(w => w.Contains("ownership record coordination.list: ignored line"));
        PlanHumanView.Render(new Plan("test", [plan])).ShouldNotContain("\u001b");
    }

    [Fact]
    public void A_cluster_member_removed_by_an_inventory_edit_is_refused_with_the_way_out_while_a_plain_component_is_stopped()
    {
        var desired = Whole(File(Layer.Prerequisites, "/etc/datalyptica/base.conf", "os-base")) with
        {
            DepartureGuards = new Dictionary<string, string> { ["patroni"] = "Fix: use hosts remove." },
        };
        var facts = new HostFacts
        {
            Owned = [new OwnedLine("catalog", "unit\tpatroni\tpatroni"), new OwnedLine("query", "unit\ttrino\ttrino"),
                     new OwnedLine("query", "unit\tspark\tspark-history")],
            Units = new Dictionary<string, UnitFact>
            {
                ["patroni"] = new("enabled", "active"), ["trino"] = new("enabled", "active"),
                ["spark-history"] = new("disabled", "inactive"), // stopped by `hosts remove`: nothing left to do
            },
        };
        var plan = Planner.PlanHost(desired, facts, new PlanOptions());
        var patroni = plan.Changes.Single(c => c.ResourceId == "service:patroni");
        patroni.Action.ShouldBe(ChangeAction.Unavailable);
        patroni.Reason.ShouldContain("Fix: use hosts remove.");
        var trino = plan.Changes.Single(c => c.ResourceId == "service:trino");
        trino.Action.ShouldBe(ChangeAction.Delete);
        trino.Steps.Single().Text.ShouldBe("if systemctl cat -- trino >/dev/null 2>&1; then systemctl disable --now -- trino; fi");
        plan.Changes.ShouldNotContain(c => c.ResourceId == "service:spark-history");
    }

    [Fact]
    public void Production_guards_the_members_that_leave_a_cluster_in_order_and_records_only_paths_it_may_delete()
    {
        // With the site's PKI issued, as plan renders it: the certificates and their expiry metrics are recorded too.
        var folder = Directory.CreateTempSubdirectory("dl-ownership-pki-").FullName;
        Model.Site withPki;
        try { withPki = RenderedSites.Production.Site with { Pki = Datalyptica.Pki.SitePkiStore.Ensure(folder, RenderedSites.Production.Site, new Datalyptica.Secrets.Secret("test-vault-password"), DateTimeOffset.UtcNow).Pki }; }
        finally { Directory.Delete(folder, recursive: true); }
        var site = new RenderedSite(withPki, Datalyptica.Rendering.SiteRenderer.Render(withPki));
        var desired = DesiredStateBuilder.Build(site.Site, site.Hosts, ArtifactCatalog.FromSite(site.Site));
        desired.SelectMany(d => d.Resources).Select(r => (r.Resource as FileResource)?.Path).ShouldContain(Datalyptica.Components.OsBaseLayer.CertificateExpiry.MetricsPath);
        // A host with no PostgreSQL is guarded for Patroni (hand-over), etcd, Kafka, Redis (forgotten); not for Superset.
        var guards = desired.First(d => !site.Site.Hosts.Single(h => h.Name == d.Host).RoleGroups.Contains("postgresql")).DepartureGuards;
        guards.Keys.ShouldContain("patroni");
        guards.Keys.ShouldContain("etcd");
        guards.Keys.ShouldContain("redis");
        guards.Keys.ShouldNotContain("superset");
        foreach (var host in desired)
        {
            Ownership.TracksOwnership(host).ShouldBeTrue();
            foreach (var layer in Layers.InOrder)
                foreach (var entry in Ownership.EntriesOf(host.Resources, layer))
                    Ownership.Parse(layer, entry.Line).ShouldBe(entry, $"{host.Host}: a record line the reader would refuse: {entry.Line}");
        }
    }
}

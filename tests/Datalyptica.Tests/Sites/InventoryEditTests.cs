using System.Net;
using Datalyptica.Inventory;
using Datalyptica.Sites;
using Datalyptica.Tests.Cli;

namespace Datalyptica.Tests.Sites;

/// <summary>`hosts add|remove` edit the user's inventory: exactly the lines they mean, all undone on request, never a hand-written file.</summary>
public sealed class InventoryEditTests : IDisposable
{
    private readonly SiteFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private static NewHost Lab04(string site, params string[] groups) =>
        new("lab04", IPAddress.Parse("10.77.10.14"), groups, InventoryEdit.HostVarsOf(site, "lab03"));

    [Fact]
    public void Adding_a_host_lists_it_under_each_group_and_writes_its_variables_copied_from_another_host()
    {
        var site = _fx.Init("lab", "add");
        var hostsBefore = File.ReadAllText(Path.Combine(site, "hosts.yml"));
        var edit = InventoryEdit.AddHost(site, Lab04(site, "postgresql", "redis", "catalog"));
        File.ReadAllText(Path.Combine(site, "hosts.yml")).ShouldBe(hostsBefore, "nothing is written before Write");
        edit.Write();

        var inventory = AnsibleInventoryReader.Read(site, (_, _) => "");
        inventory.FindGroup("postgresql")!.Hosts.ShouldBe(["lab01", "lab02", "lab03", "lab04"]);
        inventory.FindGroup("redis")!.Hosts.ShouldContain("lab04");
        inventory.FindGroup("redis_sentinel")!.Hosts.ShouldNotContain("lab04");
        var vars = File.ReadAllText(Path.Combine(site, "host_vars", "lab04.yml"));
        vars.ShouldContain("ansible_host: 10.77.10.14\n");
        vars.ShouldContain("datalyptica_vcpu: 2\n");
        vars.ShouldNotContain("10.77.10.13", customMessage: "lab03's own address is not copied");
        edit.Diff().ShouldContain("+        lab04:");

        edit.Undo();
        File.ReadAllText(Path.Combine(site, "hosts.yml")).ShouldBe(hostsBefore);
        File.Exists(Path.Combine(site, "host_vars", "lab04.yml")).ShouldBeFalse();
    }

    [Fact]
    public void A_new_group_is_added_at_the_top_level()
    {
        var site = _fx.Init("lab", "newgroup");
        InventoryEdit.AddHost(site, Lab04(site, "trino_worker", "query")).Write();
        var inventory = AnsibleInventoryReader.Read(site, (_, _) => "");
        inventory.FindGroup("trino_worker")!.Hosts.ShouldBe(["lab04"]);
        inventory.FindGroup("all")!.Children.ShouldContain("trino_worker");
    }

    [Fact]
    public void Removing_a_host_from_one_group_keeps_it_in_the_others_and_removing_it_from_all_deletes_its_variables()
    {
        var site = _fx.Init("lab", "remove");
        InventoryEdit.AddHost(site, Lab04(site, "postgresql", "redis", "catalog")).Write();

        var fromRedis = InventoryEdit.RemoveHost(site, "lab04", ["redis"]);
        fromRedis.Files.Select(f => f.RelativePath).ShouldBe(["hosts.yml"]);
        fromRedis.Write();
        var inventory = AnsibleInventoryReader.Read(site, (_, _) => "");
        inventory.FindGroup("redis")!.Hosts.ShouldNotContain("lab04");
        inventory.FindGroup("postgresql")!.Hosts.ShouldContain("lab04");

        var everywhere = InventoryEdit.RemoveHost(site, "lab04", null);
        everywhere.Write();
        AnsibleInventoryReader.Read(site, (_, _) => "").FindHost("lab04").ShouldBeNull();
        File.Exists(Path.Combine(site, "host_vars", "lab04.yml")).ShouldBeFalse();
        everywhere.Undo();
        File.ReadAllText(Path.Combine(site, "host_vars", "lab04.yml")).ShouldContain("ansible_host: 10.77.10.14");
    }

    [Fact]
    public void A_hand_written_hosts_file_is_never_rewritten()
    {
        var site = _fx.Init("lab", "hand");
        var path = Path.Combine(site, "hosts.yml");
        File.WriteAllText(path, File.ReadAllText(path).Replace("    postgresql:\n", "    # our database hosts\n    postgresql:\n"));
        var before = File.ReadAllText(path);
        Should.Throw<InventoryEditException>(() => InventoryEdit.AddHost(site, Lab04(site, "postgresql")))
            .Message.ShouldContain("make the change by hand");
        Should.Throw<InventoryEditException>(() => InventoryEdit.RemoveHost(site, "lab03", ["redis"]));
        File.ReadAllText(path).ShouldBe(before);
    }

    [Theory]
    [InlineData("../evil")]
    [InlineData("lab 04")]
    [InlineData("-lab04")]
    public void A_name_that_is_no_host_name_is_refused_before_any_path_is_made_of_it(string name)
    {
        var site = _fx.Init("lab", "names");
        Should.Throw<InventoryEditException>(() => InventoryEdit.AddHost(site, Lab04(site, "postgresql") with { Name = name }))
            .Message.ShouldContain("is not a host name");
        Should.Throw<InventoryEditException>(() => InventoryEdit.HostVarsOf(site, name));
        Directory.GetFiles(Path.Combine(site, "host_vars")).Length.ShouldBe(3);
    }

    [Fact]
    public void An_existing_name_or_unknown_host_is_refused()
    {
        var site = _fx.Init("lab", "dupes");
        Should.Throw<InventoryEditException>(() => InventoryEdit.AddHost(site, Lab04(site, "postgresql") with { Name = "lab02" }))
            .Message.ShouldContain("already has a host 'lab02'");
        Should.Throw<InventoryEditException>(() => InventoryEdit.AddHost(site, Lab04(site, "postgresql") with { Name = "redis" }))
            .Message.ShouldContain("is a group");
        Should.Throw<InventoryEditException>(() => InventoryEdit.RemoveHost(site, "lab09", null)).Message.ShouldContain("has no host 'lab09'");
        Should.Throw<InventoryEditException>(() => InventoryEdit.RemoveHost(site, "lab01", ["kafka_broker"])).Message.ShouldContain("is not listed under");
    }
}

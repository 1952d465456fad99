using System.Text.Json;
using Datalyptica.Cli;

namespace Datalyptica.Tests.Cli;

/// <summary>
/// `hosts add|remove` and `scale` as a user types them, on sites whose hosts are never contacted: every refusal happens
/// before anything is written or any host is touched, and the inventory is exactly as it was after one.
/// </summary>
public sealed class HostsCommandTests : IDisposable
{
    private readonly SiteFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private static string Inventory(string site) =>
        string.Concat(new[] { "hosts.yml" }.Concat(Directory.GetFiles(Path.Combine(site, "host_vars")).Order().Select(f => Path.Combine("host_vars", Path.GetFileName(f))))
            .Select(f => f + "\n" + File.ReadAllText(Path.Combine(site, f))));

    [Fact]
    public void Hosts_add_without_apply_writes_the_inventory_and_reports_the_new_host_in_json()
    {
        var site = _fx.Init("lab", "add");
        var result = CliRunner.Run("hosts", "add", site, "10.77.10.14", "--like", "lab03", "--group", "postgresql", "--group", "redis",
            "--no-apply", "--yes", "--output", "json", "--vault-password-file", _fx.PasswordFile).ShouldSucceed();
        var doc = JsonDocument.Parse(result.Out).RootElement;
        var added = doc.GetProperty("added").EnumerateArray().ShouldHaveSingleItem();
        added.GetProperty("host").GetString().ShouldBe("lab04");
        added.GetProperty("groups").EnumerateArray().Select(g => g.GetString()).ShouldBe(["postgresql", "redis", "catalog"]);
        doc.GetProperty("applied").GetBoolean().ShouldBeFalse();
        result.Err.ShouldContain("+        lab04:", customMessage: "the change is shown (stderr in JSON mode)");
        CliRunner.Run("validate", site, "--vault-password-file", _fx.PasswordFile).ShouldSucceed().Out.ShouldContain("4 hosts");
    }

    [Fact]
    public void Several_addresses_continue_the_numbering_of_the_host_they_copy()
    {
        var site = _fx.Init("lab", "many");
        var list = _fx.Write("new.txt", "# spare addresses\n10.77.10.21\n10.77.10.22\n");
        CliRunner.Run("hosts", "add", site, "--from", list, "--like", "lab02", "--group", "redis", "--no-apply", "--yes",
            "--vault-password-file", _fx.PasswordFile).ShouldSucceed();
        File.ReadAllText(Path.Combine(site, "host_vars", "lab04.yml")).ShouldContain("ansible_host: 10.77.10.21");
        File.ReadAllText(Path.Combine(site, "host_vars", "lab05.yml")).ShouldContain("ansible_host: 10.77.10.22");
    }

    [Theory]
    [InlineData(new[] { "10.77.10.13", "--like", "lab03" }, "already lab03's address")]
    [InlineData(new[] { "10.77.10.14", "--like", "lab03", "--group", "postgres" }, "did you mean postgresql")]
    [InlineData(new[] { "10.77.10.14", "--like", "lab09" }, "no such host")]
    [InlineData(new[] { "10.77.10.14", "--name", "lab02", "--group", "redis", "--group", "catalog" }, "already has a host 'lab02'")]
    [InlineData(new[] { "10.77.10.999", "--like", "lab03" }, "is not one IPv4 address")]
    public void Hosts_add_refusals_leave_the_inventory_as_it_was(string[] args, string message)
    {
        var site = _fx.Init("lab", "refused");
        var before = Inventory(site);
        var result = CliRunner.Run(["hosts", "add", site, .. args, "--no-apply", "--yes", "--vault-password-file", _fx.PasswordFile]);
        result.ExitCode.ShouldNotBe(ExitCodes.Ok);
        result.All.ShouldContain(message);
        Inventory(site).ShouldBe(before);
    }

    [Fact]
    public void A_host_the_site_would_reject_is_not_kept()
    {
        var site = _fx.Init("lab", "invalid");
        var before = Inventory(site);
        // The bridge address of the VIPs: two hosts on one address is an error of the whole site.
        var vip = File.ReadAllText(Path.Combine(site, "group_vars", "all.yml")).Split('\n')
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"address: ""?(\d+\.\d+\.\d+\.\d+)")).First(m => m.Success).Groups[1].Value;
        var result = CliRunner.Run("hosts", "add", site, vip, "--like", "lab03", "--group", "redis", "--no-apply", "--yes", "--vault-password-file", _fx.PasswordFile);
        result.ExitCode.ShouldBe(ExitCodes.InvalidSite, result.All);
        result.Err.ShouldContain("the inventory was left as it was");
        Inventory(site).ShouldBe(before);
    }

    [Fact]
    public void Hosts_remove_refuses_a_consensus_member_and_a_pool_below_its_quorum_before_touching_anything()
    {
        var site = _fx.Init("lab", "quorum");
        var before = Inventory(site);
        // etcd would be left with 2 members: the site itself is invalid without lab03.
        var whole = CliRunner.Run("hosts", "remove", site, "lab03", "--yes", "--vault-password-file", _fx.PasswordFile);
        whole.ExitCode.ShouldBe(ExitCodes.InvalidSite, whole.All);
        whole.Err.ShouldContain("would have errors, so nothing was changed");
        // Sentinel needs 3: refused by the same whole-site check.
        CliRunner.Run("scale", site, "redis_sentinel", "--count", "2", "--yes", "--vault-password-file", _fx.PasswordFile).ExitCode.ShouldBe(ExitCodes.InvalidSite);
        Inventory(site).ShouldBe(before);
    }

    [Fact]
    public void A_refused_departure_names_the_role_and_the_way_to_do_it()
    {
        var site = _fx.Init("lab", "etcd4");
        // Four Sentinels are a valid site, and so are three: the site allows the departure, Redis's contract refuses it.
        CliRunner.Run("hosts", "add", site, "10.77.10.14", "--like", "lab03", "--group", "redis_sentinel",
            "--no-apply", "--yes", "--vault-password-file", _fx.PasswordFile).ShouldSucceed();
        var before = Inventory(site);
        var result = CliRunner.Run("hosts", "remove", site, "lab04", "--yes", "--vault-password-file", _fx.PasswordFile);
        result.ExitCode.ShouldBe(ExitCodes.Failed, result.All);
        result.Err.ShouldContain("lab04 cannot leave redis_sentinel (Redis");
        result.Err.ShouldContain("Fix: keep the host in the redis_sentinel group");
        result.Err.ShouldContain("nothing was changed");
        Inventory(site).ShouldBe(before);
    }

    [Fact]
    public void Scale_with_nothing_to_do_says_so_and_growing_needs_addresses()
    {
        var site = _fx.Init("lab", "scale");
        CliRunner.Run("scale", site, "redis", "--count", "3", "--vault-password-file", _fx.PasswordFile).ShouldSucceed().Out.ShouldContain("nothing to do");
        CliRunner.Run("scale", site, "redis", "--count", "4", "--vault-password-file", _fx.PasswordFile).ExitCode.ShouldBe(ExitCodes.Usage);
        var usage = CliRunner.Run("scale", site, "trino_workers", "--count", "4");
        usage.ExitCode.ShouldBe(ExitCodes.Usage);
        usage.All.ShouldContain("did you mean trino_worker");
    }
}

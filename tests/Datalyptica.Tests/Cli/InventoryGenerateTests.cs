using Datalyptica.Cli;
using Datalyptica.Profiles;

namespace Datalyptica.Tests.Cli;

public sealed class InventoryGenerateTests : IDisposable
{
    private readonly SiteFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private CliResult Generate(string ipsFile, string outDir, params string[] extra) =>
        CliRunner.Run(["inventory", "generate", "--profile", "development", "--ips", ipsFile, "--out", outDir, .. extra]);

    [Fact]
    public void Hosts_get_the_addresses_in_file_order_and_the_site_validates()
    {
        // Not sorted, with comments and blank lines, all in 10.0.0.0/24 like the VIP.
        var addresses = Enumerable.Range(0, 15).Select(i => $"10.0.0.{200 - i * 7}").ToList();
        var lines = new List<string> { "# development site", "" };
        lines.AddRange(addresses.Select((a, i) => i == 3 ? $"{a}   # the fourth" : a));
        lines.Insert(8, "");
        var ips = _fx.Write("ips.txt", string.Join('\n', lines) + "\n");
        var dir = _fx.PathOf("site");

        var result = Generate(ips, dir, "--vip", "10.0.0.100/24").ShouldSucceed();
        result.Err.ShouldBeEmpty();
        result.Out.ShouldContain("15 hosts");

        var planned = ProfileExpander.Expand(BuiltInProfiles.Development).Hosts.Select(h => h.Name).ToList();
        planned.Count.ShouldBe(15);
        var list = CliRunner.Run("inventory", "list", dir, "-o", "json").ShouldSucceed().Json();
        var byName = list.GetProperty("hosts").EnumerateArray()
            .ToDictionary(h => h.GetProperty("name").GetString()!, h => h.GetProperty("address").GetString());
        byName.Count.ShouldBe(15);
        for (var i = 0; i < planned.Count; i++)
            byName[planned[i]].ShouldBe(addresses[i], $"host #{i + 1} ({planned[i]}) gets line {i + 1} of the list");

        var validate = CliRunner.Run("validate", dir).ShouldSucceed();
        validate.Out.ShouldContain("valid (0 error(s)");
        File.ReadAllText(Path.Combine(dir, "group_vars", "all.yml")).ShouldContain("10.0.0.100/24");
    }

    [Fact]
    public void Every_problem_is_reported_at_once_with_file_and_line_and_nothing_is_written()
    {
        var ips = _fx.Write("bad-ips.txt", string.Join('\n',
            "10.0.0.1",            // 1
            "10.0.0",              // 2 malformed
            "10.0.0.1 10.0.0.2",   // 3 two on a line
            "hello",               // 4 not an address
            "",                    // 5
            "10.0.0.3",            // 6
            "10.0.0.1   # again")  // 7 duplicate of line 1
            + "\n");
        var dir = _fx.PathOf("out");

        var result = Generate(ips, dir).ShouldFail(); // and no --vip
        var err = result.Err;
        err.ShouldContain("bad-ips.txt:2: '10.0.0' is not one IPv4 address");
        err.ShouldContain("bad-ips.txt:3: '10.0.0.1 10.0.0.2' is not one IPv4 address");
        err.ShouldContain("bad-ips.txt:4: 'hello' is not one IPv4 address");
        err.ShouldContain("bad-ips.txt:7: 10.0.0.1 is listed twice (first on line 1)");
        err.ShouldContain("2 usable address(es) for the 15 hosts");
        err.ShouldContain("add 13 more address(es) to bad-ips.txt");
        err.ShouldContain("DL544");
        err.ShouldContain("--vip");
        err.Split('\n').Count(l => l.TrimStart().StartsWith("fix:")).ShouldBe(6);

        Directory.Exists(dir).ShouldBeFalse("nothing is written when the list has errors");
    }

    [Fact]
    public void Missing_vip_alone_is_an_error()
    {
        var ips = _fx.Write("ips.txt", string.Join('\n', Enumerable.Range(11, 15).Select(i => $"10.0.0.{i}")));
        var dir = _fx.PathOf("out");
        var result = Generate(ips, dir).ShouldFail();
        result.Err.ShouldContain("DL544");
        result.Err.ShouldContain("no --vip was given");
        Directory.Exists(dir).ShouldBeFalse();
    }

    [Fact]
    public void Malformed_vip_is_an_error()
    {
        var ips = _fx.Write("ips.txt", string.Join('\n', Enumerable.Range(11, 15).Select(i => $"10.0.0.{i}")));
        var dir = _fx.PathOf("out");
        var result = Generate(ips, dir, "--vip", "10.0.0.100").ShouldFail();
        result.Err.ShouldContain("--vip '10.0.0.100' is not ADDRESS/PREFIX");
        Directory.Exists(dir).ShouldBeFalse();
    }

    [Fact]
    public void Missing_ips_file_is_reported()
    {
        var result = CliRunner.Run("inventory", "generate", "--profile", "development", "--out", _fx.PathOf("o"));
        result.ShouldExit(ExitCodes.Usage).Err.ShouldContain("`datalyptica inventory generate` needs --ips <FILE>");
    }
}

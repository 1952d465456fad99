using Datalyptica.Cli;

namespace Datalyptica.Tests.Cli;

/// <summary>
/// render and verify take --limit (alias --host) as plan and apply do: an Ansible host pattern
/// (https://docs.ansible.com/ansible/latest/inventory_guide/intro_patterns.html), refused with exit 64 and a "did you
/// mean" when a part matches nothing, and the hosts it matched said before anything runs.
/// </summary>
public sealed class RenderVerifyLimitTests : IDisposable
{
    private readonly SiteFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private string Site(string name = "dev") => _fx.Init("development", name);

    [Theory]
    [InlineData("--limit", "catalog:!db03", new[] { "db01", "db02" })]
    [InlineData("--host", "db01", new[] { "db01" })]
    [InlineData("--host", "stream0*:&kafka_broker", new[] { "stream01", "stream02", "stream03" })]
    [InlineData("--limit", "etcd[0:1],lb02", new[] { "lb02", "db01", "db02" })]
    public void Render_writes_only_the_hosts_the_pattern_matches_and_says_which(string option, string pattern, string[] hosts /* in site order */)
    {
        var output = _fx.PathOf("rendered");
        var result = CliRunner.Run("render", Site(), "--out", output, option, pattern, "--vault-password-file", _fx.PasswordFile).ShouldSucceed();
        result.Out.ShouldContain($"limit '{pattern}' matched {hosts.Length} of 15 host(s): {string.Join(", ", hosts)}");
        Directory.GetDirectories(output).Select(Path.GetFileName).Order(StringComparer.Ordinal).ShouldBe(hosts.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Render_in_json_says_the_match_on_stderr_and_keeps_stdout_one_document()
    {
        var result = CliRunner.Run("render", Site(), "--out", _fx.PathOf("r"), "--limit", "lb*", "--vault-password-file", _fx.PasswordFile, "-o", "json")
            .ShouldSucceed();
        result.Err.ShouldContain("limit 'lb*' matched 2 of 15 host(s): lb01, lb02");
        result.Json().GetProperty("hosts").EnumerateArray().Select(h => h.GetProperty("host").GetString()).ShouldBe(["lb01", "lb02"]);
    }

    [Theory]
    [InlineData("--host", "db1", "for 'db1' did you mean db01")]
    [InlineData("--limit", "ctalog:!db03", "did you mean catalog?")]
    public void Render_refuses_a_part_that_matches_nothing_with_exit_64_and_writes_nothing(string option, string pattern, string hint)
    {
        var output = _fx.PathOf("rendered");
        var result = CliRunner.Run("render", Site(), "--out", output, option, pattern, "--vault-password-file", _fx.PasswordFile).ShouldExit(ExitCodes.Usage);
        result.Err.ShouldContain($"--limit '{pattern}': '{pattern.Split(':')[0]}' matches no host or group");
        result.Err.ShouldContain(hint);
        Directory.Exists(output).ShouldBeFalse("a refused limit must stop before anything is written");
    }

    /// <summary>The example of docs/CLI.md: --host is an alias, so a mistyped option is pointed at --limit.</summary>
    [Fact]
    public void A_mistyped_limit_on_render_is_pointed_at_limit() =>
        CliRunner.Run("render", Site(), "--out", _fx.PathOf("r"), "--limt", "pg01").ShouldExit(ExitCodes.Usage).Err
            .ShouldBe("error: unknown option --limt for `datalyptica render`\nfix: did you mean --limit? (`datalyptica render --help` lists every option)\n");

    [Fact]
    public void Render_refuses_a_pattern_whose_exclusions_leave_no_host() =>
        CliRunner.Run("render", Site(), "--out", _fx.PathOf("r"), "--limit", "catalog:!db0*", "--vault-password-file", _fx.PasswordFile)
            .ShouldExit(ExitCodes.Usage).Err.ShouldContain("matches no host: its &/! parts remove every host the others select");

    [Theory]
    [InlineData("--host", "db1", "did you mean db01")]
    [InlineData("--limit", "etcd:&ctalog", "did you mean catalog?")]
    public void Verify_refuses_a_part_that_matches_nothing_before_any_host_is_contacted(string option, string pattern, string hint)
    {
        var knownHosts = _fx.PathOf("known_hosts");
        var result = CliRunner.Run("verify", Site(), option, pattern, "--vault-password-file", _fx.PasswordFile, "--known-hosts", knownHosts)
            .ShouldExit(ExitCodes.Usage);
        result.Err.ShouldContain("matches no host or group");
        result.Err.ShouldContain(hint);
        result.Out.ShouldBeEmpty();
    }

    /// <summary>
    /// A site whose hosts are loopback addresses with nothing listening on its SSH port: verify reaches no host (traffic
    /// stays on this machine), and only the matched hosts are probed and reported.
    /// </summary>
    [Fact]
    public void Verify_probes_only_the_hosts_the_pattern_matches()
    {
        var site = LoopbackSites.Unreachable(_fx, "dev", firstAddress: 61);
        var result = CliRunner.Run("verify", site, "--limit", "catalog:!db03", "--vault-password-file", _fx.PasswordFile,
            "--known-hosts", _fx.PathOf("known_hosts"), "--timeout", "3", "-o", "json");
        result.ExitCode.ShouldBe(ExitCodes.Unhealthy, result.ToString());
        result.Err.ShouldContain("limit 'catalog:!db03' matched 2 of 15 host(s): db01, db02");
        var checks = result.Json().GetProperty("checks").EnumerateArray().ToList();
        checks.Select(c => c.GetProperty("host").GetString()).Distinct().Order(StringComparer.Ordinal).ShouldBe(["db01", "db02"]);
        checks.ShouldContain(c => c.GetProperty("check").GetString() == "reach" && c.GetProperty("status").GetString() == "failed");
    }
}

/// <summary>Sites made by `inventory generate` whose hosts are loopback addresses: every connection stays on this machine.</summary>
internal static class LoopbackSites
{
    /// <summary>
    /// A development site (15 hosts) at 127.0.0.FIRST.. with ansible_port a port nothing listens on (taken free, then
    /// released), so every SSH connection is refused at once; the VIP is on loopback too.
    /// </summary>
    public static string Unreachable(SiteFixture fixture, string name, int firstAddress)
    {
        var addresses = Enumerable.Range(firstAddress, 15).Select(i => $"127.0.0.{i}").ToList();
        var ips = fixture.Write($"{name}-ips.txt", string.Join('\n', addresses) + "\n");
        var site = fixture.PathOf(name);
        CliRunner.Run("inventory", "generate", "--profile", "development", "--ips", ips, "--vip", $"127.0.0.{firstAddress + 20}/24",
            "--out", site, "--vault-password-file", fixture.PasswordFile).ShouldSucceed();
        File.AppendAllText(Path.Combine(site, "group_vars", "all.yml"), $"ansible_port: {Verification.ServerProcess.FreePort()}\n");
        return site;
    }
}

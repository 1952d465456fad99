using System.Security.Cryptography;
using Datalyptica.Tests.Engine.Transport;

namespace Datalyptica.Tests.Cli;

/// <summary>
/// `plan` end to end over real SSH: a development site whose 15 hosts are loopback addresses served by one real
/// sshd, so facts are gathered from this machine by the real fact script. Plan must change nothing here.
/// </summary>
[Collection(SshdCollection.Name)]
public class PlanOverSshTests(SshdFixture ssh)
{
    /// <summary>
    /// A development site whose 15 hosts are loopback addresses served by one real sshd (returned, to dispose), with
    /// <paramref name="extraVars"/> appended to group_vars/all.yml.
    /// </summary>
    private (SshdServer Sshd, string Site) DevSiteOnLoopback(SiteFixture fixture, string extraVars = "")
    {
        var addresses = Enumerable.Range(11, 15).Select(i => $"127.0.0.{i}").ToList(); // the development profile's 15 hosts
        var sshd = SshdServer.Start(ssh.AuthorizedKeys, extraConfig:
            string.Join('\n', addresses.Select(a => $"ListenAddress {a}")) + "\nMaxStartups 100\n");
        var ips = fixture.Write("ips.txt", string.Join('\n', addresses) + "\n");
        var site = fixture.PathOf("dev");
        CliRunner.Run("inventory", "generate", "--profile", "development", "--ips", ips, "--vip", "127.0.0.100/24",
            "--out", site, "--vault-password-file", fixture.PasswordFile).ShouldSucceed();
        File.AppendAllText(Path.Combine(site, "group_vars", "all.yml"), $"ansible_port: {sshd.Port}\n{extraVars}");
        return (sshd, site);
    }

    [Fact]
    public void Plan_over_ssh_gathers_facts_records_new_host_keys_changes_nothing_and_prints_no_secret()
    {
        using var fixture = new SiteFixture();
        var (sshd, site) = DevSiteOnLoopback(fixture);
        using var _ = sshd;
        var knownHosts = fixture.PathOf("known_hosts");
        var watched = new[] { "/etc/hostname", "/etc/passwd", "/etc/haproxy/haproxy.cfg" }.Where(File.Exists).ToList();
        var before = watched.ToDictionary(f => f, f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

        var result = CliRunner.Run("plan", site, "--vault-password-file", fixture.PasswordFile, "--known-hosts", knownHosts,
            "--accept-new-host-keys", "--private-key", ssh.ClientKey, "--parallel", "8", "-o", "json");

        result.ExitCode.ShouldBe(2, result.ToString()); // changes pending: this machine is not a configured lab host
        var json = result.Json();
        json.GetProperty("formatVersion").GetInt32().ShouldBe(1);
        File.ReadAllLines(knownHosts).Count(l => l.StartsWith('[')).ShouldBe(15);
        foreach (var (file, hash) in before)
            Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file))).ShouldBe(hash, $"plan changed {file}");
        var secrets = GeneratedSite.DecryptSecrets(site, fixture.Password);
        foreach (var secret in secrets.Values) result.All.ShouldNotContain(secret);
        result.All.ShouldNotContain(SiteFixture.KnownPassword);
    }

    [Fact]
    public void Apply_shows_the_plan_then_is_refused_without_a_terminal_or_auto_approve_and_changes_nothing()
    {
        using var fixture = new SiteFixture();
        var (sshd, site) = DevSiteOnLoopback(fixture);
        using var _ = sshd;
        var watched = new[] { "/etc/hostname", "/etc/passwd", "/etc/sysctl.conf" }.Where(File.Exists).ToList();
        var before = watched.ToDictionary(f => f, f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

        // The CLI under test cannot ask (stdin is not a terminal here): apply shows what it would do and stops.
        var result = CliRunner.Run("apply", site, "--vault-password-file", fixture.PasswordFile, "--known-hosts", fixture.PathOf("known_hosts"),
            "--accept-new-host-keys", "--private-key", ssh.ClientKey, "--limit", "lb01", "--layer", "prerequisites");

        result.ExitCode.ShouldBe(Datalyptica.Cli.ExitCodes.Usage, result.ToString());
        result.Out.ShouldContain("Plan: ", customMessage: result.ToString());
        result.Out.ShouldContain("prerequisites");
        result.Out.ShouldNotContain("applied");
        result.Err.ShouldContain("stdin is not a terminal");
        result.Err.ShouldContain("--auto-approve");
        foreach (var (file, hash) in before)
            Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file))).ShouldBe(hash, $"a refused apply changed {file}");
        result.All.ShouldNotContain(SiteFixture.KnownPassword);
    }

    [Fact]
    public void Plan_reaches_every_host_through_the_jump_host_the_inventory_names()
    {
        // The bastion logs each forwarded connection at DEBUG1, which proves the route.
        using var bastion = SshdServer.Start(ssh.AuthorizedKeys, extraConfig: "LogLevel DEBUG1\nMaxStartups 100\nMaxSessions 100\n");
        using var fixture = new SiteFixture();
        var (target, site) = DevSiteOnLoopback(fixture,
            $"ansible_ssh_common_args: \"-o StrictHostKeyChecking=yes -o ProxyJump={Environment.UserName}@127.0.0.1:{bastion.Port}\"\n");
        using var _ = target;

        var result = CliRunner.Run("plan", site, "--vault-password-file", fixture.PasswordFile, "--known-hosts", fixture.PathOf("known_hosts"),
            "--accept-new-host-keys", "--private-key", ssh.ClientKey, "--parallel", "8", "--limit", "lb01,lb02", "-o", "json");

        result.ExitCode.ShouldBe(2, result.ToString());
        bastion.LogLines.Count(l => l.Contains("server_request_direct_tcpip") && l.Contains($"port {target.Port}")).ShouldBe(2,
            string.Join('\n', bastion.LogLines.Where(l => l.Contains("tcpip"))));
        File.ReadAllLines(fixture.PathOf("known_hosts")).ShouldContain(l => l.StartsWith($"[127.0.0.1]:{bastion.Port} "));
    }
}

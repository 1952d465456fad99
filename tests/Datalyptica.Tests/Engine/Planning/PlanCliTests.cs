using System.Text.Json;
using Datalyptica.Tests.Cli;

namespace Datalyptica.Tests.Engine.Planning;

/// <summary>The plan and apply verbs on a site made by init (production profile), planning against empty hosts.</summary>
public class PlanCliTests
{
    [Fact]
    public void Plan_assume_empty_shows_changes_exits_2_saves_json_and_prints_no_secret()
    {
        using var fixture = new SiteFixture();
        var site = fixture.Init("production", "site");
        var secrets = GeneratedSite.DecryptSecrets(site, fixture.Password);
        var saved = fixture.PathOf("plan.json");

        var human = CliRunner.Run("plan", site, "--assume-empty", "--vault-password-file", fixture.PasswordFile, "--out", saved);
        human.ExitCode.ShouldBe(2, human.ToString());
        human.Out.ShouldContain("Plan for");
        human.Out.ShouldContain("+ package:os-base");
        human.Out.ShouldContain("artifact not available");

        var json = CliRunner.Run("plan", site, "--assume-empty", "--vault-password-file", fixture.PasswordFile, "-o", "json");
        json.ExitCode.ShouldBe(2);
        using var doc = JsonDocument.Parse(json.Out);
        doc.RootElement.GetProperty("formatVersion").GetInt32().ShouldBe(1);
        doc.RootElement.GetProperty("hosts").GetArrayLength().ShouldBe(66);

        foreach (var value in secrets.Values)
        {
            human.All.ShouldNotContain(value);
            json.All.ShouldNotContain(value);
            File.ReadAllText(saved).ShouldNotContain(value);
        }
    }

    [Fact]
    public void Apply_to_unreachable_hosts_fails_with_a_clear_error_naming_the_host()
    {
        // Loopback addresses on a port nobody listens on: tests never send traffic beyond loopback.
        using var fixture = new SiteFixture();
        var ips = fixture.Write("ips.txt", string.Join('\n', Enumerable.Range(11, 15).Select(i => $"127.0.0.{i}")) + "\n");
        var site = fixture.PathOf("site");
        CliRunner.Run("inventory", "generate", "--profile", "development", "--ips", ips, "--vip", "127.0.0.100/24",
            "--out", site, "--vault-password-file", fixture.PasswordFile).ShouldSucceed();
        var closedPort = Datalyptica.Tests.Engine.Transport.SshdServer.FreeLoopbackPort();
        File.AppendAllText(Path.Combine(site, "group_vars", "all.yml"), $"ansible_port: {closedPort}\n");

        var result = CliRunner.Run("apply", site, "--vault-password-file", fixture.PasswordFile,
            "--known-hosts", fixture.PathOf("known_hosts"), "--limit", "lb01");

        result.ShouldFail();
        result.Err.ShouldContain("lb01");
        result.All.ShouldNotContain(SiteFixture.KnownPassword);
    }
}

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
    public void Apply_without_a_transport_fails_with_a_clear_error()
    {
        using var fixture = new SiteFixture();
        var site = fixture.Init("development", "site");
        var result = CliRunner.Run("apply", site, "--vault-password-file", fixture.PasswordFile);
        result.ShouldFail();
        result.Err.ShouldContain("no host transport");
    }
}

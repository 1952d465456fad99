using Datalyptica.Model;
using Datalyptica.Secrets;
using Datalyptica.Sites;

namespace Datalyptica.Tests.Cli;

public class VaultPasswordCheckTests
{
    [Fact]
    public void Validate_with_a_wrong_password_fails_on_inline_vault_values_without_printing_either_password()
    {
        using var fixture = new SiteFixture();
        var site = fixture.Init("development", "dev");
        const string wrong = "Wr0ng-Passw0rd-0a1b2c";
        var wrongFile = fixture.Write("wrong.txt", wrong + "\n");

        var result = CliRunner.Run("validate", site, "--vault-password-file", wrongFile).ShouldFail();

        result.Err.ShouldContain("DL603");
        result.Err.ShouldContain("group_vars/all.yml:");
        result.All.ShouldNotContain(wrong);
        result.All.ShouldNotContain(SiteFixture.KnownPassword);
        CliRunner.Run("validate", site, "--vault-password-file", fixture.PasswordFile).ShouldSucceed();
    }

    [Fact]
    public void Settings_from_an_encrypted_file_keep_their_value_for_rules_but_print_masked()
    {
        using var fixture = new SiteFixture();
        var site = fixture.Init("development", "dev");
        // A user moves a tuning value into a vault-encrypted group_vars file of its own.
        var encrypted = AnsibleVault.Encrypt("kafka_min_insync_replicas: 3\n", fixture.Password);
        File.WriteAllText(Path.Combine(site, "group_vars", "kafka_broker.yml"), encrypted);

        var loaded = SiteLoader.Load(site, () => fixture.Password);
        var setting = loaded.Site.ShouldNotBeNull().HostsInGroup("kafka_broker").First().Vars["kafka_min_insync_replicas"];

        setting.Value.ShouldBe(3L);
        setting.Sensitive.ShouldBeTrue();
        setting.ToString().ShouldNotContain("3,");
        setting.ToString().ShouldContain("***");
        System.Text.Json.JsonSerializer.Serialize(setting).ShouldContain("\"***\"");
    }
}

public class PortVariableTests
{
    [Fact]
    public void A_port_variable_that_is_not_a_port_is_an_error_at_its_line()
    {
        using var fixture = new SiteFixture();
        var site = fixture.Init("development", "dev");
        var file = Path.Combine(site, "group_vars", "processing.yml");
        File.WriteAllText(file, File.ReadAllText(file).Replace("flink_rest_port: 8082", "flink_rest_port: 80a"));

        var result = CliRunner.Run("validate", site, "--vault-password-file", fixture.PasswordFile).ShouldFail();

        result.Err.ShouldContain("DL550");
        result.Err.ShouldContain("group_vars/processing.yml:");
        result.Err.ShouldContain("flink_rest_port");
    }
}

public class InitOverExistingSiteTests
{
    [Fact]
    public void Init_force_over_a_site_keeps_its_secrets_and_adds_missing_ones()
    {
        using var fixture = new SiteFixture();
        var site = fixture.Init("development", "dev");
        var before = GeneratedSite.DecryptSecrets(site, fixture.Password);
        // An older site that lacks a secret a newer renderer needs.
        var all = Path.Combine(site, "group_vars", "all.yml");
        var lines = File.ReadAllLines(all).ToList();
        var start = lines.FindIndex(l => l.StartsWith("vault_redis_password:", StringComparison.Ordinal));
        var end = lines.FindIndex(start + 1, l => !l.StartsWith(' '));
        lines.RemoveRange(start, end - start);
        File.WriteAllLines(all, lines);

        CliRunner.Run("init", "--profile", "development", "--out", site, "--force", "--vault-password-file", fixture.PasswordFile).ShouldSucceed();

        var after = GeneratedSite.DecryptSecrets(site, fixture.Password);
        foreach (var (name, value) in before.Where(b => b.Key != "vault_redis_password"))
            after[name].ShouldBe(value, name);
        after["vault_redis_password"].ShouldNotBe(before["vault_redis_password"]);
    }

    [Fact]
    public void Init_force_with_the_wrong_password_stops_before_writing()
    {
        using var fixture = new SiteFixture();
        var site = fixture.Init("development", "dev");
        var hostsBefore = File.ReadAllText(Path.Combine(site, "group_vars", "all.yml"));
        var wrong = fixture.Write("wrong.txt", "not-the-password\n");

        var result = CliRunner.Run("init", "--profile", "development", "--out", site, "--force", "--vault-password-file", wrong).ShouldFail();

        result.All.ShouldNotContain("not-the-password");
        File.ReadAllText(Path.Combine(site, "group_vars", "all.yml")).ShouldBe(hostsBefore);
    }
}

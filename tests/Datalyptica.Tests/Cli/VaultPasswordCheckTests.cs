using Datalyptica.Cli;
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

/// <summary>Vault passwords as issue 13 asks: say what is wrong with the source, check every value, never run the site's files.</summary>
public class VaultPasswordSourceCliTests : IDisposable
{
    private readonly SiteFixture _fixture = new();
    private readonly string _site;

    public VaultPasswordSourceCliTests() => _site = _fixture.Init("development", "dev");

    public void Dispose() => _fixture.Dispose();

    private static string Binary => Path.Combine(AppContext.BaseDirectory, "datalyptica");

    /// <summary>The CLI as its own process with exactly these password variables (none from the test's environment).</summary>
    private static Datalyptica.Tests.Rendering.Tool.Result Run(string[] args, string? stdin = null) =>
        Datalyptica.Tests.Rendering.Tool.Run(Binary, args, stdin: stdin, timeoutSeconds: 60, environment: new Dictionary<string, string>
        {
            ["DATALYPTICA_DAEMON"] = "off",
            [VaultPasswordSource.PasswordEnvironmentVariable] = "",
            [VaultPasswordSource.PasswordFileEnvironmentVariable] = "",
        });

    [Fact]
    public void A_missing_password_file_is_named_as_missing_not_as_a_wrong_password()
    {
        var result = CliRunner.Run("validate", _site, "--vault-password-file", "missing.txt").ShouldFail();

        result.Err.ShouldContain("error DL604 missing.txt: the vault password file missing.txt (from --vault-password-file) does not exist.");
        result.All.ShouldNotContain("DL603");
    }

    [Fact]
    public void Validate_without_a_password_says_the_secrets_were_not_checked_and_plan_refuses()
    {
        var validate = Run(["validate", _site]);
        validate.ExitCode.ShouldBe(0, validate.Output);
        validate.Stdout.ShouldContain("warning DL605 group_vars/all.yml:");
        validate.Stdout.ShouldContain("vaulted value(s) were not checked");

        foreach (var verb in new[] { "plan", "apply" })
        {
            var refused = Run([verb, _site]);
            refused.ExitCode.ShouldBe(ExitCodes.InvalidSite, refused.Output);
            refused.Stderr.ShouldContain("error DL606 group_vars/all.yml:");
            refused.Stderr.ShouldContain("no vault password was given; nothing was contacted.");
        }
    }

    [Fact]
    public void Every_vaulted_value_is_checked_and_one_under_another_password_is_named()
    {
        var all = Path.Combine(_site, "group_vars", "all.yml");
        File.AppendAllText(all, AnsibleVault.EncryptString("vault_extra", new Secret("v"), new Secret("An0ther-Passw0rd")));
        File.AppendAllText(all, AnsibleVault.EncryptString("vault_fine", new Secret("v"), _fixture.Password));
        var line = File.ReadAllLines(all).ToList().FindIndex(l => l.StartsWith("vault_extra:", StringComparison.Ordinal)) + 1;

        var result = CliRunner.Run("validate", _site, "--vault-password-file", _fixture.PasswordFile).ShouldFail();

        result.Err.ShouldContain($"error DL603 group_vars/all.yml:{line}: the vault password does not decrypt the !vault value of vault_extra.");
        result.Err.Split('\n').Count(l => l.StartsWith("error DL603", StringComparison.Ordinal)).ShouldBe(1, result.ToString());
        result.All.ShouldNotContain("An0ther-Passw0rd");
        result.All.ShouldNotContain(SiteFixture.KnownPassword);
    }

    [Fact]
    public void A_platform_secret_with_a_line_break_is_refused_without_showing_it_and_another_roles_multi_line_value_is_not()
    {
        var all = Path.Combine(_site, "group_vars", "all.yml");
        // Replace the site's Redis password with one that would add a line to redis.conf when filled in.
        var lines = File.ReadAllLines(all).ToList();
        var start = lines.FindIndex(l => l.StartsWith("vault_redis_password:", StringComparison.Ordinal));
        var end = lines.FindIndex(start + 1, l => l.Length > 0 && !char.IsWhiteSpace(l[0]));
        lines.RemoveRange(start, (end < 0 ? lines.Count : end) - start);
        File.WriteAllLines(all, lines);
        File.AppendAllText(all, AnsibleVault.EncryptString("vault_redis_password", new Secret("Hunter2Hunter2\nslaveof 6.6.6.6 6379"), _fixture.Password));
        File.AppendAllText(all, AnsibleVault.EncryptString("ssh_deploy_key", new Secret("-----BEGIN KEY-----\nabc\n-----END KEY-----\n"), _fixture.Password));
        var line = File.ReadAllLines(all).ToList().FindIndex(l => l.StartsWith("vault_redis_password:", StringComparison.Ordinal)) + 1;

        var result = CliRunner.Run("validate", _site, "--vault-password-file", _fixture.PasswordFile).ShouldFail();

        result.Err.ShouldContain($"error DL608 group_vars/all.yml:{line}: the !vault value of vault_redis_password holds a line break");
        result.All.ShouldNotContain("Hunter2");
        result.All.ShouldNotContain("6.6.6.6");
        // The other role's multi-line key is not the platform's to judge (DL510 only says no component reads it).
        result.Err.Split('\n').Count(l => l.Contains("DL608", StringComparison.Ordinal)).ShouldBe(1, result.ToString());
    }

    [Fact]
    public void An_executable_vault_password_in_the_site_is_never_run()
    {
        var marker = _fixture.PathOf("ran");
        var inSite = Path.Combine(_site, ".vault-password");
        File.WriteAllText(inSite, $"#!/bin/sh\ntouch {marker}\necho {SiteFixture.KnownPassword}\n");
        File.SetUnixFileMode(inSite, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        foreach (var args in new[] { ["validate", _site], ["render", _site, "--out", _fixture.PathOf("r")], ["bom", _site], new[] { "inventory", "list", _site } })
        {
            var result = Run(args);
            File.Exists(marker).ShouldBeFalse($"{string.Join(' ', args)} ran SITE/.vault-password\n{result.Output}");
        }
        Run(["validate", _site]).Stderr.ShouldContain("error DL607 ");
    }

    [Fact]
    public void Ask_vault_pass_refuses_when_stdin_is_not_a_terminal()
    {
        var result = Run(["validate", _site, "--ask-vault-pass"], stdin: SiteFixture.KnownPassword + "\n");

        result.ExitCode.ShouldBe(ExitCodes.InvalidSite, result.Output);
        result.Stderr.ShouldContain("error DL604 --ask-vault-pass: --ask-vault-pass needs a terminal on standard input");
    }

    [Fact]
    public void Ask_vault_pass_reads_the_terminal_without_echo()
    {
        // script(1) runs the CLI on a pseudo-terminal and keeps everything shown on it in the typescript; the password is
        // typed 3 s later (after the prompt is up, as a person would), from a file so it never appears in an argv.
        var typescript = _fixture.PathOf("typescript");
        var command = $"DATALYPTICA_DAEMON=off DATALYPTICA_VAULT_PASSWORD= ANSIBLE_VAULT_PASSWORD_FILE= {Binary} validate {_site} --ask-vault-pass";
        var shell = $"(sleep 3; tr -d '\\n' < {_fixture.PasswordFile}; printf '\\r') | script -q -e -c \"{command}\" {typescript}";

        var result = Datalyptica.Tests.Rendering.Tool.Run("bash", ["-c", shell], timeoutSeconds: 60);

        var shown = File.ReadAllText(typescript);
        result.ExitCode.ShouldBe(0, shown);
        shown.ShouldContain("Vault password: ");
        shown.ShouldContain("valid");
        shown.ShouldNotContain("DL605"); // the values were checked
        shown.ShouldNotContain(SiteFixture.KnownPassword);
    }

    [Fact]
    public void Secrets_encrypt_does_not_look_for_a_password_in_parent_folders()
    {
        var planted = _fixture.Write(".vault-password", "planted-by-someone\n"); // a parent of the file, as /tmp/.vault-password would be
        var file = _fixture.Write("deep/er/values.yml", "a: 1\n");

        var result = Run(["secrets", "encrypt", file]);

        result.ExitCode.ShouldBe(1, result.Output);
        File.ReadAllText(file).ShouldBe("a: 1\n");
        File.Exists(planted).ShouldBeTrue();
    }
}

using System.Text.RegularExpressions;

namespace Datalyptica.Tests.Cli;

public sealed class ValidateTests : IDisposable
{
    private readonly SiteFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    [Fact]
    public void Broken_site_exits_1_with_errors_on_stderr_naming_file_line_code_and_fix()
    {
        var dir = _fx.Init("development", "site");
        File.WriteAllText(Path.Combine(dir, "host_vars", "db01.yml"),
            "# edited by hand\nansible_host: not an address\ndatalyptica_vcpu: 8\ndatalyptica_ram_gb: 32\n");
        File.WriteAllText(Path.Combine(dir, "host_vars", "db02.yml"),
            "ansible_host: 10.40.10.12\ndatalyptica_vcpu: -3\ndatalyptica_ram_gb: 32\n");

        var result = CliRunner.Run("validate", dir).ShouldFail();
        var err = result.Err;
        err.ShouldContain("error DL530 host_vars/db01.yml:2: host db01: ansible_host 'not an address' is neither an IP address nor a DNS name.");
        err.ShouldContain("error DL534 host_vars/db02.yml:2: host db02: datalyptica_vcpu '-3' is not a positive whole number.");
        // Each error is followed by its fix; errors are plain text (no markup) on stderr.
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < lines.Length; i++)
            if (lines[i].StartsWith("error ", StringComparison.Ordinal))
            {
                Regex.IsMatch(lines[i], @"^error DL\d{3} ").ShouldBeTrue(lines[i]);
                lines[i + 1].TrimStart().ShouldStartWith("fix: ");
            }
        err.ShouldNotContain("[/]");
        err.ShouldNotContain("[dim]");
        // stdout has the verdict, not the errors.
        result.Out.ShouldContain("invalid");
        result.Out.ShouldNotContain("DL530");
    }

    [Fact]
    public void Yaml_syntax_error_names_file_and_line()
    {
        var dir = _fx.Init("development", "site");
        File.WriteAllText(Path.Combine(dir, "host_vars", "app01.yml"), "ansible_host: 10.40.60.11\ndatalyptica_vcpu: [8\n");

        var result = CliRunner.Run("validate", dir).ShouldFail();
        result.Err.ShouldMatch(@"error DL500 host_vars/app01\.yml:\d+: ");
        result.Err.ShouldContain("fix: ");
        result.Out.ShouldContain("site could not be read");
    }

    [Fact]
    public void Missing_site_folder_fails_clearly()
    {
        var result = CliRunner.Run("validate", _fx.PathOf("does-not-exist")).ShouldFail();
        result.Err.ShouldContain("does-not-exist");
        result.Err.ShouldContain("fix: ");
    }

    [Fact]
    public void Patroni_timing_is_checked_with_the_defaults_the_renderer_uses_and_names_the_key_that_was_set()
    {
        // ttl and retry_timeout left at their defaults (20, 8): loop_wait 5 makes 5 + 16 > 20. With defaults of its own
        // (30/10/10) validate passed this site and render then failed (found on the lab).
        var dir = _fx.Init("development", "site");
        File.AppendAllText(Path.Combine(dir, "group_vars", "all.yml"), "patroni_loop_wait: 5\n");

        var result = CliRunner.Run("validate", dir, "--vault-password-file", _fx.PasswordFile).ShouldFail();
        result.Err.ShouldMatch(@"error DL123 group_vars/all\.yml:\d+: loop_wait 5 \+ 2 × retry_timeout 8 = 21 exceeds ttl 20: .*\(patroni_loop_wait\)");
        CliRunner.Run("plan", dir, "--assume-empty", "--vault-password-file", _fx.PasswordFile).Err.ShouldContain("DL123");
    }
}

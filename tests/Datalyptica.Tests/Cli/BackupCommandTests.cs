namespace Datalyptica.Tests.Cli;

/// <summary>`backup`: its help and argument checks (the operations run against real PostgreSQL/pgBackRest/sshd in Lab/ObjectStore).</summary>
public sealed class BackupCommandTests
{
    [Fact]
    public void Help_names_the_actions_and_options()
    {
        var result = CliRunner.Run("backup", "--help").ShouldSucceed();
        foreach (var text in new[] { "SITE", "ACTION", "--target", "--query", "--keep", "--known-hosts", "--private-key", "restore-test" })
            result.Out.ShouldContain(text, Case.Sensitive, result.ToString());
    }

    [Theory]
    [InlineData("nightly", "ACTION must be one of: full, info, expire, restore-test")]
    [InlineData("restore-test", "restore-test needs --target TIME")]
    public void A_wrong_action_or_a_restore_test_without_target_is_refused_before_connecting(string action, string message)
    {
        var result = CliRunner.Run("backup", "/nonexistent-site", action);
        result.ExitCode.ShouldNotBe(0, result.ToString());
        result.All.ShouldContain(message, Case.Sensitive, result.ToString());
    }
}

using Datalyptica.Sites;

namespace Datalyptica.Tests.Cli;

/// <summary>
/// A host this site applied to and that its inventory no longer has is not reached by plan any more: plan says so on
/// stderr with the way to take it out, from SITE/.datalyptica/hosts-applied (which apply writes; `hosts remove` clears).
/// </summary>
public sealed class HostsLeftOutTests : IDisposable
{
    private readonly SiteFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    [Fact]
    public void Plan_warns_about_a_host_applied_to_and_gone_from_the_inventory_and_ignores_lines_that_are_not_host_names()
    {
        var site = _fx.Init("development", "dev");
        Directory.CreateDirectory(Path.Combine(site, ".datalyptica"));
        File.WriteAllText(AppliedHosts.PathIn(site), "db01\nold-db04\n$(reboot)\n../../etc\n");

        var plan = CliRunner.Run("plan", site, "--assume-empty", "--vault-password-file", _fx.PasswordFile).ShouldExit(2);
        plan.Err.ShouldContain("warning: old-db04 was applied to from this site and is no longer in its inventory");
        plan.Err.ShouldContain($"`datalyptica hosts remove {site} old-db04`");
        plan.Err.ShouldNotContain("db01 was applied");
        plan.Err.ShouldNotContain("reboot");
        plan.Err.ShouldNotContain("../");

        AppliedHosts.Remove(site, "old-db04");
        AppliedHosts.Read(site).ShouldBe(["db01"]);
        CliRunner.Run("plan", site, "--assume-empty", "--vault-password-file", _fx.PasswordFile).ShouldExit(2).Err.ShouldNotContain("warning:");
    }
}

using Datalyptica.Cli;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Cli;

/// <summary>`datalyptica snapshot` as a user runs it: hosts that cannot be reached, and the control node's timer.</summary>
public sealed class SnapshotCommandTests : IDisposable
{
    private readonly SiteFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    [Fact]
    public void A_site_whose_hosts_cannot_be_reached_names_each_host_and_commits_nothing()
    {
        var site = LoopbackSites.Unreachable(_fx, "snap", 140);
        var into = _fx.PathOf("snapshots");
        var result = CliRunner.Run("snapshot", site, "--into", into, "--vault-password-file", _fx.PasswordFile, "--limit", "db01,db02")
            .ShouldExit(ExitCodes.Failed);
        result.Err.ShouldContain("error: db01: not reached, its files stay as the last snapshot has them");
        result.Err.ShouldContain("error: db02: not reached");
        result.Err.ShouldContain($"error: no host was read, so nothing was committed to {into}");
        Directory.Exists(Path.Combine(into, ".git")).ShouldBeFalse();
        result.All.ShouldNotContain(SiteFixture.KnownPassword);
    }

    [Fact]
    public void Install_timer_writes_a_service_systemd_accepts_that_runs_this_snapshot_with_a_password_file_and_a_timer()
    {
        var site = _fx.Init("development", "timed");
        var units = _fx.PathOf("units");
        var result = CliRunner.Run("snapshot", site, "--install-timer", "--on-calendar", "Mon..Fri *-*-* 02:30:00", "--unit-dir", units,
            "--vault-password-file", _fx.PasswordFile, "--limit", "db01").ShouldSucceed();
        result.Out.ShouldContain("systemd is not running on this machine");
        var name = Path.GetFileName(Directory.GetFiles(units, "*.service").ShouldHaveSingleItem())[..^".service".Length];
        var service = File.ReadAllText(Path.Combine(units, $"{name}.service"));
        var timer = File.ReadAllText(Path.Combine(units, $"{name}.timer"));

        var exec = service.Split('\n').Single(l => l.StartsWith("ExecStart=", StringComparison.Ordinal));
        exec.ShouldEndWith($" snapshot {Path.GetFullPath(site)} --into {Path.Combine(Path.GetFullPath(site), ".datalyptica", "snapshots")} " +
            $"--vault-password-file {Path.GetFullPath(_fx.PasswordFile)} --limit db01");
        service.ShouldContain("Type=oneshot\n");
        service.ShouldNotContain("[Install]");
        timer.ShouldContain("OnCalendar=Mon..Fri *-*-* 02:30:00\n");
        timer.ShouldContain($"Unit={name}.service\n");

        // systemd itself reads both units: the ExecStart quoting and every directive are its own.
        var verify = Tool.Run("systemd-analyze", ["verify", "--man=no", Path.Combine(units, $"{name}.service"), Path.Combine(units, $"{name}.timer")]);
        verify.Stderr.ShouldNotContain(name, customMessage: verify.Stderr);
    }

    [Fact]
    public void Install_timer_refuses_a_password_typed_on_the_terminal()
    {
        var site = _fx.Init("development", "asked");
        var result = CliRunner.Run("snapshot", site, "--install-timer", "--unit-dir", _fx.PathOf("units"), "--ask-vault-pass");
        result.ExitCode.ShouldNotBe(ExitCodes.Ok);
        Directory.Exists(_fx.PathOf("units")).ShouldBeFalse();
    }
}

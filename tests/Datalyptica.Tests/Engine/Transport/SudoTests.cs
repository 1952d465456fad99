using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Transport;
using Datalyptica.Secrets;

namespace Datalyptica.Tests.Engine.Transport;

public class ShellWrappingTests
{
    [Fact]
    public void Root_and_no_become_run_plain_sh_c()
    {
        ShellWrapping.Wrap("echo 'a b' | tr a-z A-Z", become: false, user: "deploy").ShouldBe("sh -c 'echo '\\''a b'\\'' | tr a-z A-Z'");
        ShellWrapping.Wrap("id -u", become: true, user: "root").ShouldBe("sh -c 'id -u'", "root needs no sudo");
    }

    [Fact]
    public void Become_for_another_user_runs_sudo_non_interactively()
    {
        ShellWrapping.Wrap("id -u", become: true, user: "deploy").ShouldBe("sudo -n -- sh -c 'id -u'");
    }

    [Fact]
    public void A_host_side_timeout_goes_inside_sudo_so_it_can_kill_what_root_started()
    {
        ShellWrapping.Wrap("sleep 9", become: true, user: "deploy", TimeSpan.FromSeconds(1.5)).ShouldBe("sudo -n -- timeout -k 5 1.5 sh -c 'sleep 9'");
        ShellWrapping.Wrap("true", become: false, user: "root", TimeSpan.FromMinutes(10)).ShouldBe("timeout -k 5 600 sh -c true");
    }
}

/// <summary>
/// sudo for real: a throwaway user with NOPASSWD sudo logs in to the loopback sshd. The user and its sudoers
/// file are removed on dispose. Needs root and sudo (setup.sh installs it).
/// </summary>
[Collection(SshdCollection.Name)]
public sealed class SudoTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly SshdFixture _sshd;
    private readonly string _user = $"dlsudo{Random.Shared.Next(100000, 999999)}";
    private readonly string _sudoers;

    public SudoTests(SshdFixture sshd)
    {
        _sshd = sshd;
        Tools.RequireRootAndTool("/usr/bin/sudo", "sudo");
        _sudoers = $"/etc/sudoers.d/{_user}";
        Tools.Run("useradd", "-M", "-d", "/nonexistent", "-s", "/bin/sh", _user).ExitCode.ShouldBe(0);
        // '*' instead of useradd's '!': sshd without PAM refuses "locked" accounts, and '*' still allows no password login.
        Tools.Run("usermod", "-p", "*", _user).ExitCode.ShouldBe(0);
    }

    private void AllowSudo()
    {
        File.WriteAllText(_sudoers, $"{_user} ALL=(ALL) NOPASSWD: ALL\n");
        File.SetUnixFileMode(_sudoers, (UnixFileMode)0b100_100_000);
        Tools.Run("visudo", "-c", "-f", _sudoers).ExitCode.ShouldBe(0);
    }

    [Fact]
    public async Task Become_runs_commands_and_uploads_as_root_for_a_non_root_user()
    {
        AllowSudo();
        var plain = _sshd.Server.Connection(_sshd.ClientKey, _user);
        await using (var ssh = await _sshd.ConnectAsync(plain))
            (await ssh.RunAsync(RemoteCommand.Shell("id -un"), None)).Stdout.ShouldBe(_user + "\n");

        await using var become = await _sshd.ConnectAsync(plain with { Become = true });
        (await become.RunAsync(RemoteCommand.Shell("id -u"), None)).Stdout.ShouldBe("0\n");
        (await become.RunAsync(RemoteCommand.Shell("tr a-z A-Z"), None, stdin: "through sudo\n")).Stdout.ShouldBe("THROUGH SUDO\n");
        var path = $"/root/dl-sudo-upload-{Guid.NewGuid():N}";
        await become.UploadAsync("root only"u8.ToArray(), path, None);
        try
        {
            File.ReadAllText(path).ShouldBe("root only");
            Tools.Run("stat", "-c", "%U", path).Stdout.Trim().ShouldBe("root");
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task Become_without_passwordless_sudo_fails_at_once_with_the_fix_and_no_secret()
    {
        var become = _sshd.Server.Connection(_sshd.ClientKey, _user) with { Become = true, CommandTimeout = TimeSpan.FromSeconds(20) };
        await using var ssh = await _sshd.ConnectAsync(become);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var command = RemoteCommand.Shell("echo").Secret(new Secret("pa55-word-xyz"));
        var error = await Should.ThrowAsync<TransportException>(() => ssh.RunAsync(command, None));
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10), "sudo -n never waits for a password");
        error.Message.ShouldContain($"user '{_user}'");
        error.Message.ShouldContain("NOPASSWD");
        error.Message.ShouldContain("`echo ***`");
        error.ToString().ShouldNotContain("pa55-word-xyz");
    }

    public void Dispose()
    {
        File.Delete(_sudoers);
        // Only this throwaway user's leftover processes, each by its PID.
        foreach (var pid in Tools.Run("pgrep", "-u", _user).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            Tools.Run("kill", "-KILL", pid);
        Tools.Run("userdel", _user);
    }
}

using System.Diagnostics;
using System.Security.Cryptography;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Transport;
using Datalyptica.Secrets;
using Xunit.Abstractions;

namespace Datalyptica.Tests.Engine.Transport;

[Collection(SshdCollection.Name)]
public class SshTransportCommandTests(SshdFixture sshd, ITestOutputHelper output)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Commands_return_exit_codes_stdout_and_stderr_as_text()
    {
        await using var ssh = await sshd.ConnectAsync();
        var ok = await ssh.RunAsync(RemoteCommand.Shell("echo out; echo err >&2"), None);
        ok.ShouldBe(new CommandResult(0, "out\n", "err\n"));

        var failed = await ssh.RunAsync(RemoteCommand.Shell("exit 7"), None);
        failed.ExitCode.ShouldBe(7);
        failed.Succeeded.ShouldBeFalse();

        // Run through sh -c: POSIX sh semantics and quoting whatever root's login shell is.
        var quoted = await ssh.RunAsync(RemoteCommand.Shell("printf '%s|'").Arg("two words").Arg("it's").Arg("$(id)"), None);
        quoted.Stdout.ShouldBe("two words|it's|$(id)|");
    }

    [Fact]
    public async Task Stdin_reaches_the_command_and_a_command_without_stdin_gets_eof()
    {
        await using var ssh = await sshd.ConnectAsync();
        (await ssh.RunAsync(RemoteCommand.Shell("tr a-z A-Z"), None, stdin: "hello\nworld\n")).Stdout.ShouldBe("HELLO\nWORLD\n");
        var big = new string('x', 1_000_000);
        (await ssh.RunAsync(RemoteCommand.Shell("wc -c"), None, stdin: big)).Stdout.Trim().ShouldBe("1000000");
        // cat with no stdin must end at once, not wait for a terminal.
        (await ssh.RunAsync(RemoteCommand.Shell("cat"), None)).ShouldBe(new CommandResult(0, "", ""));
    }

    [Fact]
    public async Task A_long_output_arrives_whole()
    {
        await using var ssh = await sshd.ConnectAsync();
        var result = await ssh.RunAsync(RemoteCommand.Shell("seq 1 400000"), None);
        result.ExitCode.ShouldBe(0);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(400_000);
        lines[^1].ShouldBe("400000");
        result.Stdout.Length.ShouldBe(2_688_895); // the bytes `seq 1 400000` prints
    }

    [Fact]
    public async Task An_uploaded_file_reads_back_byte_for_byte()
    {
        await using var ssh = await sshd.ConnectAsync();
        var content = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17); // binary, all byte values
        var path = Path.Combine(sshd.Directory, $"upload-{Guid.NewGuid():N}.bin");
        await ssh.UploadAsync(content, path, None);

        var remoteSum = await ssh.RunAsync(RemoteCommand.Shell("sha256sum").Arg(path), None);
        remoteSum.Stdout.Split(' ')[0].ShouldBe(Convert.ToHexStringLower(SHA256.HashData(content)));
        File.ReadAllBytes(path).ShouldBe(content); // same machine: read it back directly too
        File.Delete(path);

        var error = await Should.ThrowAsync<TransportException>(() => ssh.UploadAsync(content, "/nonexistent-dir/x", None));
        error.Message.ShouldContain("/nonexistent-dir/x");
        error.Message.ShouldContain(ssh.HostName);
    }

    [Fact]
    public async Task One_connection_carries_fifty_commands()
    {
        var before = sshd.Server.ConnectionsAccepted;
        await using var ssh = await sshd.ConnectAsync();
        for (var i = 0; i < 50; i++)
            (await ssh.RunAsync(RemoteCommand.Shell("echo").Arg(i.ToString()), None)).Stdout.ShouldBe($"{i}\n");
        // An upload rides the same session too (no SFTP connection).
        await ssh.UploadAsync("x"u8.ToArray(), Path.Combine(sshd.Directory, "one-connection.txt"), None);

        sshd.Server.ConnectionsAccepted.ShouldBe(before + 1, "sshd's log counts one TCP connection per 'Connection from' line");
        ssh.ConnectionsOpened.ShouldBe(1);
        var established = Tools.Run("ss", "-Htn", "state", "established", $"( dport = :{sshd.Server.Port} )").Stdout;
        established.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(1, established);
    }

    [Fact]
    public async Task Commands_can_run_concurrently_on_the_one_session()
    {
        await using var ssh = await sshd.ConnectAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => ssh.RunAsync(RemoteCommand.Shell($"sleep 0.2; echo {i}"), None)));
        results.Select(r => r.Stdout.Trim()).ShouldBe(Enumerable.Range(0, 8).Select(i => i.ToString()));
        ssh.ConnectionsOpened.ShouldBe(1);
    }

    [Fact]
    public async Task A_command_that_outlives_its_timeout_is_killed_with_a_clear_error_and_the_session_goes_on()
    {
        var host = sshd.Server.Connection(sshd.ClientKey) with { CommandTimeout = TimeSpan.FromSeconds(1) };
        await using var ssh = await sshd.ConnectAsync(host);
        var marker = "31.4159";
        var clock = Stopwatch.StartNew();
        // A background child too: the host-side timeout signals the whole process group.
        var error = await Should.ThrowAsync<CommandTimeoutException>(() => ssh.RunAsync(RemoteCommand.Shell("sleep").Arg(marker).Then(" & wait"), None));
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(8));
        error.Message.ShouldContain($"`sleep {marker} & wait`");
        error.Message.ShouldContain(host.HostName);
        error.Message.ShouldContain("1 s");

        // The remote process is gone (sshd delivered the signal), not left behind.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Tools.Run("pgrep", "-f", $"sleep {marker}").ExitCode == 0 && DateTime.UtcNow < deadline) await Task.Delay(100);
        Tools.Run("pgrep", "-f", $"sleep {marker}").ExitCode.ShouldBe(1, "the timed-out command must not keep running on the host\n" + string.Join('\n', sshd.Server.LogLines.TakeLast(15)));

        (await ssh.RunAsync(RemoteCommand.Shell("echo still here"), None)).Stdout.ShouldBe("still here\n");
        ssh.ConnectionsOpened.ShouldBe(1);
    }

    [Fact]
    public async Task An_encrypted_private_key_opens_with_its_passphrase_and_a_wrong_one_is_a_clear_error_without_it()
    {
        var host = sshd.Server.Connection(sshd.EncryptedClientKey) with { PrivateKeyPassphrase = new Secret(SshdFixture.KeyPassphrase) };
        await using (var ssh = await sshd.ConnectAsync(host))
            (await ssh.RunAsync(RemoteCommand.Shell("echo ok"), None)).Stdout.ShouldBe("ok\n");

        var wrong = host with { PrivateKeyPassphrase = new Secret("not-the-passphrase-42") };
        var error = await Should.ThrowAsync<TransportException>(() => sshd.ConnectAsync(wrong));
        error.Message.ShouldContain(sshd.EncryptedClientKey);
        error.Message.ShouldContain("passphrase");
        error.ToString().ShouldNotContain("not-the-passphrase-42");
    }

    [Fact]
    public async Task A_key_the_host_does_not_accept_is_refused_without_retries_and_names_the_fix()
    {
        var stranger = Path.Combine(sshd.Directory, $"stranger-{Guid.NewGuid():N}");
        Tools.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", stranger).ExitCode.ShouldBe(0);
        var before = sshd.Server.ConnectionsAccepted;
        var error = await Should.ThrowAsync<TransportException>(() => sshd.ConnectAsync(sshd.Server.Connection(stranger)));
        error.Message.ShouldContain("refused key authentication for user 'root'");
        error.Message.ShouldContain("authorized_keys");
        sshd.Server.ConnectionsAccepted.ShouldBe(before + 1, "authentication failures are not retried");
    }

    [Fact]
    public async Task Secrets_in_commands_never_reach_exception_messages()
    {
        var secret = new Secret("hunter2-TOP-secret");
        var host = sshd.Server.Connection(sshd.ClientKey) with { CommandTimeout = TimeSpan.FromMilliseconds(500) };
        await using var ssh = await sshd.ConnectAsync(host);
        var command = RemoteCommand.Shell("sleep 5; echo").Secret(secret);

        var timeout = await Should.ThrowAsync<CommandTimeoutException>(() => ssh.RunAsync(command, None));
        timeout.ToString().ShouldNotContain("hunter2");
        timeout.Message.ShouldContain("sleep 5; echo ***");

        // After the transport is disposed, the library's own error must be masked as well.
        await ssh.DisposeAsync();
        var closed = await Should.ThrowAsync<Exception>(() => ssh.RunAsync(command, None));
        closed.ToString().ShouldNotContain("hunter2");

        // A failing command's stderr is returned as is (callers mask it), but our errors are masked.
        RemoteCommand.Shell("echo").Secret(secret).MaskSecrets("x hunter2-TOP-secret y").ShouldBe("x *** y");
    }

    [Fact]
    public async Task Micro_measure_one_hundred_noop_commands_over_one_connection()
    {
        await using var ssh = await sshd.ConnectAsync();
        await ssh.RunAsync(RemoteCommand.Shell("true"), None); // warm up (JIT, first channel)
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 100; i++) (await ssh.RunAsync(RemoteCommand.Shell("true"), None)).ExitCode.ShouldBe(0);
        var sequential = clock.Elapsed;
        clock.Restart();
        await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => ssh.RunAsync(RemoteCommand.Shell("true"), None)));
        var concurrent = clock.Elapsed;
        output.WriteLine($"100 no-op commands over one SSH connection: sequential {sequential.TotalMilliseconds:0} ms " +
                         $"({sequential.TotalMilliseconds / 100:0.00} ms each), concurrent {concurrent.TotalMilliseconds:0} ms");
        Console.WriteLine($"[micro-measure] 100 no-op ssh commands: sequential {sequential.TotalMilliseconds:0} ms, concurrent {concurrent.TotalMilliseconds:0} ms");
        ssh.ConnectionsOpened.ShouldBe(1);
    }
}

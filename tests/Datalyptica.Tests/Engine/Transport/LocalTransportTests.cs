using System.Diagnostics;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Transport;
using Datalyptica.Secrets;

namespace Datalyptica.Tests.Engine.Transport;

public class LocalTransportTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Runs_commands_with_exit_codes_stdout_stderr_and_stdin()
    {
        await using var local = new LocalTransport("control");
        (await local.RunAsync(RemoteCommand.Shell("echo out; echo err >&2; exit 3"), None)).ShouldBe(new CommandResult(3, "out\n", "err\n"));
        (await local.RunAsync(RemoteCommand.Shell("tr a-z A-Z"), None, stdin: "abc")).Stdout.ShouldBe("ABC");
        (await local.RunAsync(RemoteCommand.Shell("cat"), None)).ShouldBe(new CommandResult(0, "", ""), "EOF on stdin, as over SSH");
        (await local.RunAsync(RemoteCommand.Shell("printf '%s|'").Arg("a b").Arg("$(id)"), None)).Stdout.ShouldBe("a b|$(id)|");
        (await local.RunAsync(RemoteCommand.Shell("seq 1 200000 | wc -l"), None)).Stdout.Trim().ShouldBe("200000");
        (await local.RunAsync(RemoteCommand.Shell("true"), None, stdin: new string('y', 2_000_000))).ExitCode.ShouldBe(0,
            "a command that ignores its stdin is not an error");
    }

    [Fact]
    public async Task A_timeout_kills_the_whole_command_tree_with_a_clear_masked_error()
    {
        await using var local = new LocalTransport("control", commandTimeout: TimeSpan.FromMilliseconds(500));
        var marker = "27.1828";
        var clock = Stopwatch.StartNew();
        var error = await Should.ThrowAsync<CommandTimeoutException>(() =>
            local.RunAsync(RemoteCommand.Shell($"sleep {marker} & wait; echo").Secret(new Secret("s3cret-local")), None));
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        error.Message.ShouldContain("'control'");
        error.Message.ShouldContain("echo ***");
        error.ToString().ShouldNotContain("s3cret-local");
        Tools.Run("pgrep", "-f", $"sleep {marker}").ExitCode.ShouldBe(1, "the background child is killed too");
    }

    [Fact]
    public async Task Uploads_write_the_bytes()
    {
        await using var local = new LocalTransport();
        var path = Path.Combine(Path.GetTempPath(), $"dl-local-{Guid.NewGuid():N}");
        var content = new byte[] { 0, 1, 2, 255, 10, 13 };
        await local.UploadAsync(content, path, None);
        File.ReadAllBytes(path).ShouldBe(content);
        File.Delete(path);
        await Should.ThrowAsync<TransportException>(() => local.UploadAsync(content, "/nonexistent-dir/x", None));
    }
}

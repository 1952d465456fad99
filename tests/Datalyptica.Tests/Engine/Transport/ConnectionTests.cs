using System.Diagnostics;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Transport;

namespace Datalyptica.Tests.Engine.Transport;

[Collection(SshdCollection.Name)]
public class ConnectionTests(SshdFixture sshd)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_closed_port_gives_a_clear_error_after_the_bounded_retries()
    {
        var closedPort = SshdServer.FreeLoopbackPort();
        var host = new HostConnection("etcd-3", "127.0.0.1", closedPort) { PrivateKeyFile = sshd.ClientKey };
        var options = sshd.Strict(sshd.NewKnownHostsPath()) with { ConnectAttempts = 3, RetryBackoff = TimeSpan.FromMilliseconds(200) };

        var clock = Stopwatch.StartNew();
        var error = await Should.ThrowAsync<HostUnreachableException>(() => SshTransport.ConnectAsync(host, options, None));
        clock.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(600 - 20), "backoff 200 ms then 400 ms");
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        error.Attempts.ShouldBe(3);
        error.HostName.ShouldBe("etcd-3");
        error.Message.ShouldContain($"'etcd-3' at 127.0.0.1:{closedPort} after 3 attempt(s)");
        error.Message.ShouldContain("ConnectionRefused");
        error.Message.ShouldContain($"sshd listens on port {closedPort}");
    }

    [Fact]
    public async Task A_jump_host_tunnels_to_a_second_sshd()
    {
        // The bastion logs each forwarded connection at DEBUG1, which proves the route.
        using var bastion = SshdServer.Start(sshd.AuthorizedKeys, extraConfig: "LogLevel DEBUG1");
        using var target = SshdServer.Start(sshd.AuthorizedKeys, "ecdsa");
        var knownHosts = sshd.NewKnownHostsPath();
        var host = target.Connection(sshd.ClientKey, hostName: "inner") with { JumpHost = bastion.Connection(sshd.ClientKey, hostName: "bastion") };
        var bastionBefore = bastion.ConnectionsAccepted;

        await using (var ssh = await SshTransport.ConnectAsync(host, sshd.Strict(knownHosts) with { AcceptNewHostKeys = true }, None))
        {
            for (var i = 0; i < 5; i++) (await ssh.RunAsync(RemoteCommand.Shell("echo through"), None)).Stdout.ShouldBe("through\n");
            ssh.ConnectionsOpened.ShouldBe(1);
        }

        bastion.ConnectionsAccepted.ShouldBe(bastionBefore + 1);
        target.ConnectionsAccepted.ShouldBe(1);
        bastion.LogLines.ShouldContain(l => l.Contains("server_request_direct_tcpip") && l.Contains($"target 127.0.0.1 port {target.Port}"),
            string.Join('\n', bastion.LogLines.Where(l => l.Contains("tcpip"))));
        // Both keys were checked as their own host names, not as the tunnel's local port.
        var lines = File.ReadAllLines(knownHosts);
        lines.ShouldContain(l => l.StartsWith($"[127.0.0.1]:{bastion.Port} ssh-ed25519 "));
        lines.ShouldContain(l => l.StartsWith($"[127.0.0.1]:{target.Port} ecdsa-sha2-nistp256 "));

        // And strictly the second time.
        await using var again = await SshTransport.ConnectAsync(host, sshd.Strict(knownHosts), None);
        (await again.RunAsync(RemoteCommand.Shell("hostname >/dev/null && echo ok"), None)).Stdout.ShouldBe("ok\n");
    }

    [Fact]
    public async Task A_dropped_session_is_reopened_before_the_next_command()
    {
        using var server = SshdServer.Start(sshd.AuthorizedKeys);
        var knownHosts = sshd.KnownHostsFor(server);
        await using var ssh = await SshTransport.ConnectAsync(server.Connection(sshd.ClientKey), sshd.Strict(knownHosts), None);
        (await ssh.RunAsync(RemoteCommand.Shell("echo one"), None)).Stdout.ShouldBe("one\n");

        // Kill this session's own sshd child (not the listener): the connection drops.
        var children = Tools.Run("pgrep", "-P", server.ProcessId.ToString()).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        children.Length.ShouldBe(1);
        Tools.Run("kill", "-9", children[0]).ExitCode.ShouldBe(0);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Tools.Run("kill", "-0", children[0]).ExitCode == 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
        await Task.Delay(200);

        (await ssh.RunAsync(RemoteCommand.Shell("echo two"), None)).Stdout.ShouldBe("two\n");
        ssh.ConnectionsOpened.ShouldBe(2);
    }
}

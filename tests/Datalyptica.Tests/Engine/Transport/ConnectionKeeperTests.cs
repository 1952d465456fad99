using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Transport;

namespace Datalyptica.Tests.Engine.Transport;

/// <summary>The daemon's kept SSH sessions (ControlPersist-like), against a real sshd on loopback.</summary>
[Collection(SshdCollection.Name)]
public class ConnectionKeeperTests(SshdFixture sshd)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Runs_that_dispose_their_handle_reuse_one_session_and_the_keeper_closes_it()
    {
        using var server = SshdServer.Start(sshd.AuthorizedKeys);
        var options = sshd.Strict(sshd.KnownHostsFor(server));
        var host = server.Connection(sshd.ClientKey);
        var keeper = new ConnectionKeeper();
        var before = server.ConnectionsAccepted; // ssh-keyscan's own

        for (var run = 1; run <= 3; run++)
        {
            await using var transport = await keeper.ConnectAsync(host, options, None);
            (await transport.RunAsync(RemoteCommand.Shell($"echo run {run}"), None)).Stdout.ShouldBe($"run {run}\n");
        }

        server.ConnectionsAccepted.ShouldBe(before + 1);
        keeper.SessionsOpened.ShouldBe(1);
        keeper.KeptHosts.ShouldBe([host.HostName]);
        var sessions = Tools.Run("pgrep", "-P", server.ProcessId.ToString()).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        sessions.Length.ShouldBe(1, "one sshd session child while the session is kept");

        await keeper.DisposeAsync();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Tools.Run("pgrep", "-P", server.ProcessId.ToString()).ExitCode == 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Tools.Run("pgrep", "-P", server.ProcessId.ToString()).ExitCode.ShouldBe(1, "disposing the keeper closes its sessions");
    }

    [Fact]
    public async Task A_changed_known_hosts_file_is_checked_again_instead_of_reusing_the_session_made_under_the_old_trust()
    {
        using var server = SshdServer.Start(sshd.AuthorizedKeys);
        var knownHosts = sshd.KnownHostsFor(server);
        var options = sshd.Strict(knownHosts);
        var host = server.Connection(sshd.ClientKey);
        await using var keeper = new ConnectionKeeper();
        var before = server.ConnectionsAccepted;
        await using (var first = await keeper.ConnectAsync(host, options, None))
            (await first.RunAsync(RemoteCommand.Shell("true"), None)).ExitCode.ShouldBe(0);

        // The operator now distrusts this host: its line is replaced by another host's key.
        using var other = SshdServer.Start(sshd.AuthorizedKeys);
        var otherKey = File.ReadAllText(sshd.KnownHostsFor(other)).Split(' ', 2)[1];
        File.WriteAllText(knownHosts, $"[127.0.0.1]:{server.Port} {otherKey}");
        File.SetLastWriteTimeUtc(knownHosts, DateTime.UtcNow.AddSeconds(1)); // a distinct stamp even within the clock's resolution

        var refused = await Should.ThrowAsync<HostKeyVerificationException>(() => keeper.ConnectAsync(host, options, None));
        refused.Message.ShouldContain("HOST KEY CHANGED");
        server.ConnectionsAccepted.ShouldBe(before + 2, "the changed file made the keeper connect and check again");
    }

    [Fact]
    public async Task A_host_that_cannot_be_reached_is_tried_again_by_the_next_run()
    {
        using var server = SshdServer.Start(sshd.AuthorizedKeys);
        var options = sshd.Strict(sshd.KnownHostsFor(server));
        var host = server.Connection(sshd.ClientKey) with { ConnectTimeout = TimeSpan.FromSeconds(2) };
        await using var keeper = new ConnectionKeeper();
        server.Stop();

        await Should.ThrowAsync<HostUnreachableException>(() => keeper.ConnectAsync(host, options, None));
        keeper.KeptHosts.ShouldBeEmpty();

        server.Relaunch();
        await using var transport = await keeper.ConnectAsync(host, options, None);
        (await transport.RunAsync(RemoteCommand.Shell("echo back"), None)).Stdout.ShouldBe("back\n");
    }
}

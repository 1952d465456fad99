using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Transport;

namespace Datalyptica.Tests.Engine.Transport;

[Collection(SshdCollection.Name)]
public class TransportPoolTests(SshdFixture sshd)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Opens_hosts_in_parallel_within_the_limit_reuses_them_and_disposes_them_all()
    {
        using var second = SshdServer.Start(sshd.AuthorizedKeys);
        var knownHosts = sshd.NewKnownHostsPath();
        var options = sshd.Strict(knownHosts) with { AcceptNewHostKeys = true, ConnectAttempts = 2, RetryBackoff = TimeSpan.FromMilliseconds(50) };
        var closedPort = SshdServer.FreeLoopbackPort();
        var hosts = new[]
        {
            sshd.Server.Connection(sshd.ClientKey, hostName: "a"),
            sshd.Server.Connection(sshd.ClientKey, hostName: "b"),
            second.Connection(sshd.ClientKey, hostName: "c"),
            new HostConnection("down", "127.0.0.1", closedPort) { PrivateKeyFile = sshd.ClientKey },
        };
        var firstBefore = sshd.Server.ConnectionsAccepted;

        var pool = TransportPool.ForSsh(options, maxParallel: 2);
        var opened = await pool.OpenAllAsync(hosts, None);
        opened.Values.Count(r => r.Opened).ShouldBe(3);
        opened["down"].Error.ShouldBeOfType<HostUnreachableException>().Message.ShouldContain("'down'");

        // Reused: the same transport comes back, and no new connection is made.
        (await pool.GetAsync(hosts[0], None)).ShouldBeSameAs(opened["a"].Transport);
        var c = await pool.GetAsync(hosts[2], None);
        (await c.RunAsync(RemoteCommand.Shell("echo c"), None)).Stdout.ShouldBe("c\n");
        sshd.Server.ConnectionsAccepted.ShouldBe(firstBefore + 2);
        second.ConnectionsAccepted.ShouldBe(1);

        await pool.DisposeAsync();
        await Should.ThrowAsync<ObjectDisposedException>(() => c.RunAsync(RemoteCommand.Shell("true"), None));
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (second.LogLines.All(l => !l.Contains("Disconnected from")) && DateTime.UtcNow < deadline) await Task.Delay(50);
        second.LogLines.ShouldContain(l => l.Contains("Disconnected from"), "dispose closes the connection");
    }

    [Fact]
    public async Task Never_opens_more_than_the_limit_at_once()
    {
        var current = 0;
        var peak = 0;
        await using var pool = new TransportPool(async (host, ct) =>
        {
            var now = Interlocked.Increment(ref current);
            InterlockedMax(ref peak, now);
            await Task.Delay(50, ct);
            Interlocked.Decrement(ref current);
            return new LocalTransport(host.HostName);
        }, maxParallel: 3);

        var hosts = Enumerable.Range(0, 12).Select(i => new HostConnection($"h{i}", "127.0.0.1")).ToList();
        var results = await pool.OpenAllAsync(hosts, None);
        results.Values.ShouldAllBe(r => r.Opened);
        peak.ShouldBe(3);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }
}

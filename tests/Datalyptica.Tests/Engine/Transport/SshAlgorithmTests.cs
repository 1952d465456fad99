using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Transport;

namespace Datalyptica.Tests.Engine.Transport;

/// <summary>
/// Issue 13: datalyptica offers modern SSH algorithms only. A real loopback sshd (Debian's OpenSSH, own config and host
/// key in a temp folder, killed by its PID) restricted to weak algorithms is refused with a message naming what it
/// offers; one with modern algorithms connects, and its own log shows what was negotiated.
/// </summary>
[Collection(SshdCollection.Name)]
public class SshAlgorithmTests(SshdFixture sshd)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [InlineData("ed25519", "KexAlgorithms diffie-hellman-group14-sha1,diffie-hellman-group1-sha1,diffie-hellman-group-exchange-sha1", "No matching key exchange algorithm", "diffie-hellman-group14-sha1")]
    [InlineData("ed25519", "Ciphers aes128-cbc,aes256-cbc,3des-cbc", "encryption algorithm", "3des-cbc")]
    [InlineData("ed25519", "Ciphers aes128-ctr\nMACs hmac-sha1,hmac-sha2-256", "MAC algorithm", "hmac-sha1")]
    [InlineData("rsa", "HostKeyAlgorithms ssh-rsa", "No matching host key algorithm", "ssh-rsa")]
    public async Task A_host_offering_only_weak_algorithms_is_refused_with_their_names(string hostKey, string sshdConfig, string what, string named)
    {
        using var server = SshdServer.Start(sshd.AuthorizedKeys, hostKey, sshdConfig);
        var options = sshd.Strict(sshd.NewKnownHostsPath()) with { AcceptNewHostKeys = true, ConnectAttempts = 3 };

        var error = await Should.ThrowAsync<TransportException>(() => SshTransport.ConnectAsync(server.Connection(sshd.ClientKey, hostName: "old-host"), options, None));

        error.GetType().ShouldBe(typeof(TransportException), "a refusal, not an unreachable host, and never retried");
        error.Message.ShouldStartWith($"Host 'old-host' (127.0.0.1:{server.Port}) offers only SSH algorithms datalyptica refuses as weak: ");
        error.Message.ShouldContain(what);
        error.Message.ShouldContain(named);
        error.Message.ShouldContain("Fix: in the host's /etc/ssh/sshd_config allow modern algorithms");
        server.ConnectionsAccepted.ShouldBe(1, "refused once, not retried");
    }

    [Fact]
    public async Task A_host_with_only_modern_algorithms_connects_and_the_negotiated_ones_are_modern()
    {
        using var strict = SshdServer.Start(sshd.AuthorizedKeys, "ed25519",
            "KexAlgorithms curve25519-sha256\nCiphers aes256-gcm@openssh.com\nMACs hmac-sha2-256-etm@openssh.com\nHostKeyAlgorithms ssh-ed25519");
        await using (var ssh = await SshTransport.ConnectAsync(strict.Connection(sshd.ClientKey), sshd.Strict(sshd.KnownHostsFor(strict)), None))
            (await ssh.RunAsync(RemoteCommand.Shell("echo ok"), None)).Stdout.ShouldBe("ok\n");

        // Debian's defaults (what a host has out of the box), with sshd logging what it negotiated.
        using var stock = SshdServer.Start(sshd.AuthorizedKeys, "rsa", "LogLevel DEBUG1");
        await using (var ssh = await SshTransport.ConnectAsync(stock.Connection(sshd.ClientKey), sshd.Strict(sshd.KnownHostsFor(stock)), None))
            (await ssh.RunAsync(RemoteCommand.Shell("echo ok"), None)).Stdout.ShouldBe("ok\n");
        var log = string.Join('\n', stock.LogLines);
        var kex = stock.LogLines.Last(l => l.Contains("kex: algorithm: ")).Split("kex: algorithm: ")[1].Split(' ')[0];
        SshAlgorithms.KeyExchange.ShouldContain(kex, log);
        var hostKey = stock.LogLines.Last(l => l.Contains("kex: host key algorithm: ")).Split("kex: host key algorithm: ")[1].Split(' ')[0];
        hostKey.ShouldBeOneOf("rsa-sha2-512", "rsa-sha2-256");
        var cipher = stock.LogLines.Last(l => l.Contains("kex: client->server cipher: ")).Split("cipher: ")[1].Split(' ')[0];
        SshAlgorithms.Ciphers.ShouldContain(cipher, log);
    }

    [Fact]
    public void The_offered_lists_hold_no_sha1_cbc_or_3des()
    {
        var all = SshAlgorithms.KeyExchange.Concat(SshAlgorithms.Ciphers).Concat(SshAlgorithms.Macs).Concat(SshAlgorithms.HostKeys).ToList();
        all.ShouldNotContain(a => a.EndsWith("-sha1") || a.Contains("cbc") || a.Contains("3des") || a == "ssh-rsa" || a.StartsWith("ssh-rsa-cert") || a.Contains("group1-") || a.Contains("group-exchange"));
        // And what SSH.NET offers after the restriction is exactly a subset of the lists, non-empty in each family.
        var info = new Renci.SshNet.ConnectionInfo("127.0.0.1", "root", new Renci.SshNet.NoneAuthenticationMethod("root"));
        SshAlgorithms.RestrictToModern(info);
        info.KeyExchangeAlgorithms.Keys.ShouldAllBe(k => SshAlgorithms.KeyExchange.Contains(k));
        info.Encryptions.Keys.ShouldAllBe(k => SshAlgorithms.Ciphers.Contains(k));
        info.HmacAlgorithms.Keys.ShouldAllBe(k => SshAlgorithms.Macs.Contains(k));
        info.HostKeyAlgorithms.Keys.ShouldAllBe(k => SshAlgorithms.HostKeys.Contains(k));
        new[] { info.KeyExchangeAlgorithms.Count, info.Encryptions.Count, info.HmacAlgorithms.Count, info.HostKeyAlgorithms.Count }.ShouldAllBe(n => n > 0);
    }
}

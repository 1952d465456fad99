using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Transport;

namespace Datalyptica.Tests.Engine.Transport;

[Collection(SshdCollection.Name)]
public class HostKeyCheckingTests(SshdFixture sshd)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task An_unknown_host_is_refused_and_the_message_names_the_host_and_the_fix()
    {
        var knownHosts = sshd.NewKnownHostsPath();
        var host = sshd.Server.Connection(sshd.ClientKey, hostName: "db-1");
        var error = await Should.ThrowAsync<HostKeyVerificationException>(() => sshd.ConnectAsync(host, sshd.Strict(knownHosts)));
        error.HostName.ShouldBe("db-1");
        error.Message.ShouldContain("'db-1'");
        error.Message.ShouldContain($"[127.0.0.1]:{sshd.Server.Port}");
        error.Message.ShouldContain(sshd.Server.HostKeyFingerprint);
        error.Message.ShouldContain("--accept-new-host-keys");
        error.Message.ShouldContain($"ssh-keyscan -p {sshd.Server.Port} 127.0.0.1 >> {knownHosts}");
        File.Exists(knownHosts).ShouldBeFalse("a refused key must not be written anywhere");
    }

    [Fact]
    public async Task Accept_new_writes_known_hosts_and_the_next_connection_succeeds_strictly()
    {
        var knownHosts = sshd.NewKnownHostsPath();
        await using (var first = await sshd.ConnectAsync(options: sshd.Strict(knownHosts) with { AcceptNewHostKeys = true }))
            (await first.RunAsync(RemoteCommand.Shell("echo ok"), None)).Stdout.ShouldBe("ok\n");

        var written = File.ReadAllText(knownHosts);
        var scanned = Tools.Run("ssh-keyscan", "-p", sshd.Server.Port.ToString(), "-t", "ed25519", "127.0.0.1").Stdout;
        var scannedLine = scanned.Split('\n').Single(l => l.StartsWith('['));
        written.ShouldBe(scannedLine + "\n", "the same line OpenSSH's own ssh-keyscan prints");

        await using var strict = await sshd.ConnectAsync(options: sshd.Strict(knownHosts));
        (await strict.RunAsync(RemoteCommand.Shell("echo strict"), None)).Stdout.ShouldBe("strict\n");
        File.ReadAllText(knownHosts).ShouldBe(written, "a known key is not appended again");
    }

    [Fact]
    public async Task A_changed_host_key_is_refused_even_with_accept_new_and_both_fingerprints_are_shown()
    {
        using var server = SshdServer.Start(sshd.AuthorizedKeys);
        var knownHosts = sshd.NewKnownHostsPath();
        var accept = sshd.Strict(knownHosts) with { AcceptNewHostKeys = true };
        await (await sshd.ConnectAsync(server.Connection(sshd.ClientKey), accept)).DisposeAsync();
        var oldFingerprint = server.HostKeyFingerprint;

        server.RestartWithNewHostKey();
        var newFingerprint = server.HostKeyFingerprint;
        newFingerprint.ShouldNotBe(oldFingerprint);

        var error = await Should.ThrowAsync<HostKeyVerificationException>(() => sshd.ConnectAsync(server.Connection(sshd.ClientKey), accept));
        error.Message.ShouldContain("HOST KEY CHANGED");
        error.Message.ShouldContain("man-in-the-middle");
        error.Message.ShouldContain(oldFingerprint);
        error.Message.ShouldContain(newFingerprint);
        error.Message.ShouldContain($"ssh-keygen -R '[127.0.0.1]:{server.Port}'");
        File.ReadAllLines(knownHosts).Length.ShouldBe(1, "the old key stays, the new one is not added");
    }

    [Theory]
    [InlineData("ed25519")]
    [InlineData("ecdsa")]
    [InlineData("rsa")]
    public async Task Hashed_known_hosts_entries_from_ssh_keyscan_are_understood(string keyType)
    {
        using var server = SshdServer.Start(sshd.AuthorizedKeys, keyType);
        var knownHosts = sshd.KnownHostsFor(server, hashed: true);
        File.ReadAllLines(knownHosts).Where(l => !l.StartsWith('#')).ShouldAllBe(l => l.StartsWith("|1|"));

        await using var ssh = await sshd.ConnectAsync(server.Connection(sshd.ClientKey), sshd.Strict(knownHosts));
        (await ssh.RunAsync(RemoteCommand.Shell("echo").Arg(keyType), None)).Stdout.ShouldBe(keyType + "\n");
    }

    [Fact]
    public async Task A_known_key_of_another_type_does_not_let_a_different_key_in()
    {
        // known_hosts says ed25519 for this host; the server only has an rsa key: refused, not accepted as new.
        using var rsaServer = SshdServer.Start(sshd.AuthorizedKeys, "rsa");
        var knownHosts = sshd.NewKnownHostsPath();
        var ed25519 = File.ReadAllText(sshd.Server.HostKeyPath + ".pub").Split(' ');
        File.WriteAllText(knownHosts, $"[127.0.0.1]:{rsaServer.Port} {ed25519[0]} {ed25519[1]}\n");
        var error = await Should.ThrowAsync<HostKeyVerificationException>(() =>
            sshd.ConnectAsync(rsaServer.Connection(sshd.ClientKey), sshd.Strict(knownHosts) with { AcceptNewHostKeys = true }));
        error.Message.ShouldContain("HOST KEY CHANGED");
        error.Message.ShouldContain("lists only ssh-ed25519");
        File.ReadAllLines(knownHosts).Length.ShouldBe(1, "nothing is added");
    }
}

/// <summary>The known_hosts parser and matcher on its own, against lines the real ssh-keygen writes.</summary>
public class KnownHostsFileTests
{
    private static (string Line, byte[] Blob) Key(string host)
    {
        var dir = Tools.MakeTempDirectory("dl-kh-");
        try
        {
            Tools.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(dir, "k")).ExitCode.ShouldBe(0);
            var pub = File.ReadAllText(Path.Combine(dir, "k.pub")).Split(' ');
            return ($"{host} {pub[0]} {pub[1]}", Convert.FromBase64String(pub[1]));
        }
        finally { Directory.Delete(dir, true); }
    }

    private static KnownHostsFile FileWith(params string[] lines)
    {
        var path = Path.Combine(Path.GetTempPath(), $"dl-known-{Guid.NewGuid():N}");
        File.WriteAllLines(path, lines);
        try { return KnownHostsFile.Load(path); }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("db1.example.com", "db1.example.com", 22, true)]
    [InlineData("db1.example.com,10.0.0.5", "10.0.0.5", 22, true)]
    [InlineData("db1.example.com", "db1.example.com", 2222, false)]
    [InlineData("[db1.example.com]:2222", "db1.example.com", 2222, true)]
    [InlineData("*.example.com", "db7.example.com", 22, true)]
    [InlineData("*.example.com,!db7.example.com", "db7.example.com", 22, false)]
    [InlineData("db?.example.com", "db7.example.com", 22, true)]
    [InlineData("DB1.Example.com", "db1.example.com", 22, true)]
    public void Host_patterns_match_like_openssh(string patterns, string host, int port, bool matches)
    {
        var (line, blob) = Key(patterns);
        var file = FileWith(line);
        file.Check(host, port, blob).Status.ShouldBe(matches ? HostKeyStatus.Trusted : HostKeyStatus.Unknown);
    }

    [Fact]
    public void Hashed_lines_written_by_ssh_keygen_H_match_only_their_host()
    {
        var (line, blob) = Key("[10.77.0.11]:2200");
        var path = Path.Combine(Path.GetTempPath(), $"dl-known-{Guid.NewGuid():N}");
        File.WriteAllText(path, line + "\n");
        Tools.Run("ssh-keygen", "-H", "-f", path).ExitCode.ShouldBe(0); // the real hasher
        var file = KnownHostsFile.Load(path);
        File.Delete(path);
        File.Delete(path + ".old");

        file.Entries.Single().IsHashed.ShouldBeTrue();
        file.Check("10.77.0.11", 2200, blob).Status.ShouldBe(HostKeyStatus.Trusted);
        file.Check("10.77.0.11", 22, blob).Status.ShouldBe(HostKeyStatus.Unknown);
        file.Check("10.77.0.12", 2200, blob).Status.ShouldBe(HostKeyStatus.Unknown);
    }

    [Fact]
    public void A_different_key_for_a_known_host_is_changed_and_a_revoked_key_is_revoked()
    {
        var (known, knownBlob) = Key("db1");
        var (_, otherBlob) = Key("db1");
        var (revokedLine, revokedBlob) = Key("*");
        var file = FileWith("# comment", "", "garbage line", known, "@revoked " + revokedLine);

        var changed = file.Check("db1", 22, otherBlob);
        changed.Status.ShouldBe(HostKeyStatus.Changed);
        changed.KnownFingerprint.ShouldBe(KnownHostsFile.Fingerprint(knownBlob));
        changed.PresentedFingerprint.ShouldBe(KnownHostsFile.Fingerprint(otherBlob));
        changed.KnownAt.ShouldEndWith(":4");
        file.Check("db1", 22, revokedBlob).Status.ShouldBe(HostKeyStatus.Revoked);
    }

    [Fact]
    public void Fingerprints_are_those_ssh_keygen_prints()
    {
        var dir = Tools.MakeTempDirectory("dl-kh-");
        var key = Path.Combine(dir, "k");
        Tools.Run("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", key).ExitCode.ShouldBe(0);
        var blob = Convert.FromBase64String(File.ReadAllText(key + ".pub").Split(' ')[1]);
        var expected = Tools.Run("ssh-keygen", "-l", "-E", "sha256", "-f", key + ".pub").Stdout.Split(' ')[1];
        Directory.Delete(dir, true);
        KnownHostsFile.Fingerprint(blob).ShouldBe(expected);
        KnownHostsFile.KeyTypeOf(blob).ShouldBe("ssh-rsa");
    }
}

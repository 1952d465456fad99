using System.Diagnostics;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Transport;

namespace Datalyptica.Tests.Engine.Transport;

/// <summary>
/// Logging in with the keys of a real OpenSSH ssh-agent (started here on a socket of this test's, killed by its PID),
/// against the real loopback sshd: no key file, an encrypted key file whose key the agent holds, an RSA key (signed
/// as rsa-sha2-512), and the errors when the agent lacks the key or is gone.
/// </summary>
[Collection(SshdCollection.Name)]
public sealed class SshAgentTests(SshdFixture sshd) : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly string _dir = Tools.MakeTempDirectory("dl-agent-");
    private Process? _agent;

    private string Socket => Path.Combine(_dir, "agent.sock");

    private SshAgent StartAgent()
    {
        var start = new ProcessStartInfo("ssh-agent") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-D", "-a", Socket }) start.ArgumentList.Add(a);
        _agent = Process.Start(start)!;
        var clock = Stopwatch.StartNew();
        while (!File.Exists(Socket) && clock.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(20);
        File.Exists(Socket).ShouldBeTrue("ssh-agent made no socket");
        return new SshAgent(Socket);
    }

    /// <summary>ssh-add, reading the passphrase of an encrypted key from an askpass script (never from argv).</summary>
    private void SshAdd(params string[] args)
    {
        var askpass = Path.Combine(_dir, "askpass");
        File.WriteAllText(askpass, $"#!/bin/sh\ncat '{Path.Combine(_dir, "passphrase")}'\n");
        File.WriteAllText(Path.Combine(_dir, "passphrase"), SshdFixture.KeyPassphrase + "\n");
        File.SetUnixFileMode(askpass, (UnixFileMode)0b111_000_000);
        var start = new ProcessStartInfo("ssh-add") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["SSH_AUTH_SOCK"] = Socket;
        start.Environment["SSH_ASKPASS"] = askpass;
        start.Environment["SSH_ASKPASS_REQUIRE"] = "force";
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        process.WaitForExit(30_000).ShouldBeTrue();
        process.ExitCode.ShouldBe(0, process.StandardError.ReadToEnd());
    }

    private HostConnection Host(SshdServer server, string? keyFile) =>
        server.Connection(keyFile!) with { PrivateKeyFile = keyFile, AgentSocket = Socket };

    [Fact]
    public async Task With_no_key_file_the_agents_keys_log_in_and_an_RSA_key_signs_with_SHA_512()
    {
        var agent = StartAgent();
        var rsa = Path.Combine(_dir, "id_rsa");
        Tools.Run("ssh-keygen", "-q", "-t", "rsa", "-b", "3072", "-N", "", "-f", rsa).ExitCode.ShouldBe(0);
        SshAdd(sshd.EncryptedClientKey);
        SshAdd(rsa);
        agent.Identities().Select(i => i.KeyType).ShouldBe(["ecdsa-sha2-nistp256", "ssh-rsa"]);

        // A host that accepts only the RSA key: the agent's ECDSA key is offered first and refused, then RSA logs in.
        // Debian 12's sshd refuses SHA-1 "ssh-rsa" signatures (PubkeyAcceptedAlgorithms), so acceptance means rsa-sha2.
        var authorized = Path.Combine(_dir, "authorized_keys");
        File.WriteAllText(authorized, File.ReadAllText(rsa + ".pub"));
        File.SetUnixFileMode(authorized, (UnixFileMode)0b110_100_100);
        using var server = SshdServer.Start(authorized, extraConfig: "LogLevel VERBOSE");
        await using (var ssh = await SshTransport.ConnectAsync(Host(server, null), sshd.Strict(sshd.KnownHostsFor(server)), None))
            (await ssh.RunAsync(RemoteCommand.Shell("echo agent"), None)).Stdout.ShouldBe("agent\n");
        server.LogLines.ShouldContain(l => l.Contains("Accepted publickey for root") && l.Contains("RSA SHA256:"), string.Join('\n', server.LogLines));
    }

    [Fact]
    public async Task An_encrypted_key_file_without_a_passphrase_logs_in_through_the_agent_that_holds_it()
    {
        StartAgent();
        SshAdd(sshd.EncryptedClientKey);
        await using (var ssh = await SshTransport.ConnectAsync(Host(sshd.Server, sshd.EncryptedClientKey), sshd.Strict(sshd.ServerKnownHosts), None))
            (await ssh.RunAsync(RemoteCommand.Shell("echo held"), None)).Stdout.ShouldBe("held\n");

        // The agent forgets it: the error names the file, ssh-add and the passphrase, and the passphrase never shows.
        SshAdd("-D");
        var error = await Should.ThrowAsync<TransportException>(() =>
            SshTransport.ConnectAsync(Host(sshd.Server, sshd.EncryptedClientKey), sshd.Strict(sshd.ServerKnownHosts), None));
        error.Message.ShouldContain(sshd.EncryptedClientKey);
        error.Message.ShouldContain("ssh-add it to a running ssh-agent");
        error.ToString().ShouldNotContain(SshdFixture.KeyPassphrase);
    }

    [Fact]
    public async Task An_empty_or_vanished_agent_is_a_clear_error_naming_the_fix()
    {
        StartAgent();
        var empty = await Should.ThrowAsync<TransportException>(() =>
            SshTransport.ConnectAsync(Host(sshd.Server, null), sshd.Strict(sshd.ServerKnownHosts), None));
        empty.Message.ShouldContain($"the ssh-agent at {Socket} holds no usable key");

        _agent!.Kill();
        _agent.WaitForExit();
        var gone = await Should.ThrowAsync<TransportException>(() =>
            SshTransport.ConnectAsync(Host(sshd.Server, null), sshd.Strict(sshd.ServerKnownHosts), None));
        gone.Message.ShouldContain($"ssh-agent at {Socket} could not be reached");
        gone.Message.ShouldContain("SSH_AUTH_SOCK");

        var none = await Should.ThrowAsync<TransportException>(() =>
            SshTransport.ConnectAsync(Host(sshd.Server, null) with { AgentSocket = null }, sshd.Strict(sshd.ServerKnownHosts), None));
        none.Message.ShouldContain("no ssh-agent (SSH_AUTH_SOCK is not set)");
    }

    public void Dispose()
    {
        if (_agent is { HasExited: false }) { _agent.Kill(); _agent.WaitForExit(); }
        _agent?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}

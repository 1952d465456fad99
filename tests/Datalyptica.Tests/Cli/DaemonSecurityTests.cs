using System.Diagnostics;
using System.Net.Sockets;
using Datalyptica.Cli.Daemon;
using Datalyptica.Engine.Transport;
using Datalyptica.Tests.Engine.Transport;

namespace Datalyptica.Tests.Cli;

/// <summary>Issue 13, the per-user daemon: its folder, its clients, its name, the password, and verify's forwards.</summary>
[Collection(SshdCollection.Name)]
public sealed class DaemonSecurityTests(SshdFixture sshd) : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("dl-daemon-sec-").FullName;

    public void Dispose() { try { Directory.Delete(_temp, recursive: true); } catch (IOException) { } }

    private static readonly UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    [Fact]
    public void The_private_folder_must_be_a_real_folder_of_this_user_with_mode_0700()
    {
        var own = Directory.CreateDirectory(Path.Combine(_temp, "own"), Private).FullName;
        DaemonEndpoint.IsPrivate(own).ShouldBeTrue();

        var open = Directory.CreateDirectory(Path.Combine(_temp, "open")).FullName;
        File.SetUnixFileMode(open, Private | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        DaemonEndpoint.IsPrivate(open).ShouldBeFalse("group may enter");

        var foreign = Directory.CreateDirectory(Path.Combine(_temp, "foreign"), Private).FullName;
        Tools.Run("chown", "nobody", foreign).ExitCode.ShouldBe(0);
        DaemonEndpoint.IsPrivate(foreign).ShouldBeFalse("0700 but another user's: the mode alone passed it before");

        var link = Path.Combine(_temp, "link");
        Directory.CreateSymbolicLink(link, own);
        DaemonEndpoint.IsPrivate(link).ShouldBeFalse("a link, even to our own folder");
        DaemonEndpoint.IsPrivate(Path.Combine(_temp, "missing")).ShouldBeFalse();
    }

    [Fact]
    public async Task A_client_of_another_uid_gets_nothing_even_when_the_socket_is_reachable()
    {
        // A folder and socket anyone may reach, so only the peer-credential check stands between nobody and the daemon.
        File.SetUnixFileMode(_temp, Private | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var socketPath = Path.Combine(_temp, "d.sock");
        var log = new StringWriter();
        await using var server = new DaemonServer(socketPath, TimeSpan.FromSeconds(60), TextWriter.Synchronized(log));
        var running = server.RunAsync();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        Socket? probe;
        while ((probe = DaemonClient.Connect(socketPath)) is null) { DateTime.UtcNow.ShouldBeLessThan(deadline); await Task.Delay(20); }
        probe.Dispose();
        File.SetUnixFileMode(socketPath, (UnixFileMode)Convert.ToInt32("666", 8));

        // As nobody: connect, ask for status, read what comes back.
        const string Client = "import socket,struct,sys\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\nd=b''\n" +
                              "try:\n  s.sendall(b'S'+struct.pack('<i',0))\n  while True:\n    c=s.recv(4096)\n    if not c: break\n    d+=c\n" +
                              "except (BrokenPipeError, ConnectionResetError): pass\nprint('connected', len(d))";
        var nobody = Tools.Run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", Client, socketPath);
        nobody.ExitCode.ShouldBe(0, nobody.Stderr);
        nobody.Stdout.Trim().ShouldBe("connected 0", "it reached the socket, and the daemon answered nothing");
        log.ToString().ShouldContain("refused a client of uid 65534");

        // This user still gets its answer.
        var mine = Tools.Run("/usr/bin/python3", "-c", Client, socketPath);
        int.Parse(mine.Stdout.Trim().Split(' ')[1]).ShouldBeGreaterThan(0);

        using var stop = DaemonClient.Connect(socketPath)!;
        await using (var stream = new NetworkStream(stop)) DaemonProtocol.WriteFrame(stream, DaemonProtocol.Stop, []);
        (await running.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBe(0);
    }

    [Fact]
    public void The_socket_name_does_not_depend_on_the_vault_password_and_the_request_never_shows_it()
    {
        var before = Environment.GetEnvironmentVariable("DATALYPTICA_VAULT_PASSWORD");
        try
        {
            Environment.SetEnvironmentVariable("DATALYPTICA_VAULT_PASSWORD", "first-Secret-1");
            var first = DaemonEndpoint.SocketPath("/d");
            Environment.SetEnvironmentVariable("DATALYPTICA_VAULT_PASSWORD", "second-Secret-2");
            DaemonEndpoint.SocketPath("/d").ShouldBe(first, "a name that changes with the password is a guessing oracle");
        }
        finally { Environment.SetEnvironmentVariable("DATALYPTICA_VAULT_PASSWORD", before); }

        var request = new RunRequest(["verify", "site"], "/w", true, 0) { VaultPassword = "per-Request-3" };
        var decoded = DaemonProtocol.DecodeRun(DaemonProtocol.EncodeRun(request));
        decoded.VaultPassword.ShouldBe("per-Request-3");
        decoded.ToString().ShouldNotContain("per-Request-3");
        DaemonProtocol.DecodeRun(DaemonProtocol.EncodeRun(request with { VaultPassword = null })).VaultPassword.ShouldBeNull();
    }

    [Fact]
    public async Task Forwards_are_closed_after_a_run_and_the_session_is_kept()
    {
        using var server = SshdServer.Start(sshd.AuthorizedKeys);
        await using var keeper = new ConnectionKeeper();
        var transport = await keeper.ConnectAsync(server.Connection(sshd.ClientKey), sshd.Strict(sshd.KnownHostsFor(server)), CancellationToken.None);
        var local = await ((Datalyptica.Contracts.Hosts.IPortForwarder)transport).ForwardAsync("127.0.0.1", server.Port, CancellationToken.None);
        using (var open = new TcpClient()) { await open.ConnectAsync(local); open.Connected.ShouldBeTrue(); }
        keeper.OpenForwards.ShouldBe(1);

        await keeper.CloseForwardsAsync();

        keeper.OpenForwards.ShouldBe(0);
        using var closed = new TcpClient();
        (await Should.ThrowAsync<SocketException>(() => closed.ConnectAsync(local))).SocketErrorCode.ShouldBe(SocketError.ConnectionRefused);
        (await transport.RunAsync(Datalyptica.Contracts.Hosts.RemoteCommand.Shell("echo kept"), CancellationToken.None)).Stdout.ShouldBe("kept\n");
        keeper.SessionsOpened.ShouldBe(1);
    }
}

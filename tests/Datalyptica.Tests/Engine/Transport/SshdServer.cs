using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Transport;

namespace Datalyptica.Tests.Engine.Transport;

/// <summary>
/// A real OpenSSH server on 127.0.0.1 and a random free port, in the foreground (<c>sshd -D -e</c>) with its own
/// config, host key and authorized_keys in a temp folder. Killed by its PID on dispose. Needs root and
/// /usr/sbin/sshd (setup.sh installs openssh-server); fails with a clear message otherwise.
/// </summary>
public sealed class SshdServer : IDisposable
{
    private readonly ConcurrentQueue<string> _log = new();
    private readonly string _extraConfig;
    private Process? _process;

    private SshdServer(string directory, string authorizedKeysFile, string hostKeyType, string extraConfig)
    {
        Directory = directory;
        AuthorizedKeysFile = authorizedKeysFile;
        HostKeyType = hostKeyType;
        _extraConfig = extraConfig;
        Port = FreeLoopbackPort();
    }

    public string Directory { get; }
    public string AuthorizedKeysFile { get; }
    public string HostKeyType { get; }
    public int Port { get; }
    public string HostKeyPath => Path.Combine(Directory, "host_key");
    public int ProcessId => _process?.Id ?? 0;

    /// <summary>The host key's fingerprint as OpenSSH's own ssh-keygen prints it.</summary>
    public string HostKeyFingerprint => Tools.Run("ssh-keygen", "-l", "-E", "sha256", "-f", HostKeyPath + ".pub").Stdout.Split(' ')[1];

    public IReadOnlyList<string> LogLines => _log.ToArray();

    /// <summary>TCP connections sshd accepted so far (one "Connection from" line each).</summary>
    public int ConnectionsAccepted => _log.Count(l => l.Contains("Connection from 127.0.0.1", StringComparison.Ordinal));

    public static SshdServer Start(string authorizedKeysFile, string hostKeyType = "ed25519", string extraConfig = "")
    {
        Tools.RequireRootAndTool("/usr/sbin/sshd", "openssh-server");
        var directory = Tools.MakeTempDirectory("dl-sshd-");
        var server = new SshdServer(directory, authorizedKeysFile, hostKeyType, extraConfig);
        server.GenerateHostKey();
        server.Launch();
        return server;
    }

    /// <summary>Stops sshd, replaces its host key (a rebuilt host, or an attacker) and starts it again on the same port.</summary>
    public void RestartWithNewHostKey()
    {
        Kill();
        File.Delete(HostKeyPath);
        File.Delete(HostKeyPath + ".pub");
        GenerateHostKey();
        Launch();
    }

    /// <summary>Stops the listener (a host that went down); <see cref="Relaunch"/> brings it back on the same port and key.</summary>
    public void Stop() => Kill();

    public void Relaunch() => Launch();

    public HostConnection Connection(string privateKeyFile, string user = "root", string? hostName = null) =>
        new(hostName ?? $"sshd-{Port}", "127.0.0.1", Port, user) { PrivateKeyFile = privateKeyFile, CommandTimeout = TimeSpan.FromSeconds(60) };

    private void GenerateHostKey()
    {
        var args = new List<string> { "-q", "-t", HostKeyType, "-N", "", "-f", HostKeyPath };
        if (HostKeyType == "rsa") args.InsertRange(3, ["-b", "2048"]);
        Tools.Run("ssh-keygen", [.. args]).ExitCode.ShouldBe(0);
    }

    private void Launch()
    {
        // sshd refuses to start without its privilege separation directory.
        System.IO.Directory.CreateDirectory("/run/sshd");
        var config = Path.Combine(Directory, "sshd_config");
        // sshd keeps the first value of a keyword, so the extra lines come first to override the defaults below.
        File.WriteAllText(config, $"""
            {_extraConfig}
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {HostKeyPath}
            AuthorizedKeysFile {AuthorizedKeysFile}
            PidFile {Path.Combine(Directory, "sshd.pid")}
            UsePAM no
            StrictModes no
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            MaxSessions 32
            LogLevel VERBOSE
            """);
        var start = new ProcessStartInfo("/usr/sbin/sshd") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-D", "-e", "-f", config }) start.ArgumentList.Add(a);
        var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _log.Enqueue(e.Data); };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _log.Enqueue(e.Data); };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!_log.Any(l => l.Contains($"Server listening on 127.0.0.1 port {Port}", StringComparison.Ordinal)))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"sshd on port {Port} did not start:\n{string.Join('\n', _log)}");
            Thread.Sleep(20);
        }
    }

    private void Kill()
    {
        if (_process is null) return;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(); // by PID; sessions' own sshd children end with their connections
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException) { /* already gone */ }
        _process.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Kill();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Small helpers to run the real tools the tests compare against.</summary>
public static class Tools
{
    public static (int ExitCode, string Stdout, string Stderr) Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 30 s");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    public static void RequireRootAndTool(string path, string package)
    {
        if (Environment.UserName != "root")
            throw new InvalidOperationException("These transport tests start a real sshd and need root (run the tests as root).");
        if (!File.Exists(path))
            throw new InvalidOperationException($"{path} is missing: install the Debian package '{package}' (setup.sh does).");
    }

    /// <summary>A temp folder readable by other users too (sshd reads authorized_keys as the logging-in user).</summary>
    public static string MakeTempDirectory(string prefix)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory(prefix).FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        return directory;
    }
}

/// <summary>
/// The shared sshd for the transport tests, with a client key pair (and an encrypted one) in its authorized_keys.
/// </summary>
public sealed class SshdFixture : IDisposable
{
    public const string KeyPassphrase = "correct horse 'battery' staple";

    public SshdFixture()
    {
        Tools.RequireRootAndTool("/usr/sbin/sshd", "openssh-server");
        Directory = Tools.MakeTempDirectory("dl-ssh-client-");
        ClientKey = Path.Combine(Directory, "id_ed25519");
        EncryptedClientKey = Path.Combine(Directory, "id_ecdsa_encrypted");
        Tools.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ClientKey).ExitCode.ShouldBe(0);
        Tools.Run("ssh-keygen", "-q", "-t", "ecdsa", "-N", KeyPassphrase, "-f", EncryptedClientKey).ExitCode.ShouldBe(0);
        AuthorizedKeys = Path.Combine(Directory, "authorized_keys");
        File.WriteAllText(AuthorizedKeys, File.ReadAllText(ClientKey + ".pub") + File.ReadAllText(EncryptedClientKey + ".pub"));
        File.SetUnixFileMode(AuthorizedKeys, (UnixFileMode)0b110_100_100);
        Server = SshdServer.Start(AuthorizedKeys);
        ServerKnownHosts = KnownHostsFor(Server);
    }

    /// <summary>known_hosts trusting <see cref="Server"/>, scanned once (each ssh-keyscan is a connection of its own).</summary>
    public string ServerKnownHosts { get; }

    public string Directory { get; }
    public string ClientKey { get; }
    public string EncryptedClientKey { get; }
    public string AuthorizedKeys { get; }
    public SshdServer Server { get; }

    /// <summary>A fresh known_hosts path (not created) in the fixture's folder.</summary>
    public string NewKnownHostsPath() => Path.Combine(Directory, $"known_hosts-{Guid.NewGuid():N}");

    /// <summary>A known_hosts file that trusts <paramref name="server"/>, written by the real ssh-keyscan.</summary>
    public string KnownHostsFor(SshdServer server, bool hashed = false)
    {
        var path = NewKnownHostsPath();
        var args = new List<string> { "-p", server.Port.ToString(), "-t", server.HostKeyType, "127.0.0.1" };
        if (hashed) args.Insert(0, "-H");
        var scan = Tools.Run("ssh-keyscan", [.. args]);
        scan.Stdout.ShouldNotBeNullOrWhiteSpace($"ssh-keyscan found no key: {scan.Stderr}");
        File.WriteAllText(path, scan.Stdout);
        return path;
    }

    public SshTransportOptions Strict(string knownHosts) => new() { KnownHostsFile = knownHosts, RetryBackoff = TimeSpan.FromMilliseconds(100) };

    public Task<SshTransport> ConnectAsync(HostConnection? host = null, SshTransportOptions? options = null) =>
        SshTransport.ConnectAsync(host ?? Server.Connection(ClientKey), options ?? Strict(ServerKnownHosts), CancellationToken.None);

    public void Dispose()
    {
        Server.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class SshdCollection : ICollectionFixture<SshdFixture>
{
    public const string Name = "real sshd on loopback";
}

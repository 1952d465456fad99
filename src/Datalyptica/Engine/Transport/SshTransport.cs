using System.Net.Sockets;
using Datalyptica.Contracts.Hosts;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Messages.Transport;

namespace Datalyptica.Engine.Transport;

/// <summary>
/// SSH to one host with SSH.NET: key authentication, strict host key checking against a knownHosts file,
/// an optional jump host, and ONE TCP connection for the whole run. Commands and uploads are channels on
/// that one session (uploads are <c>cat &gt; path</c> with the bytes on stdin, so no second SFTP connection
/// is opened and sudo applies to uploads exactly as to commands).
/// </summary>
public sealed class SshTransport : ShellTransport, IPortForwarder
{
    private readonly SshTransportOptions _options;
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private SshClient? _client;
    private SshClient? _jumpClient;
    private ForwardedPortLocal? _tunnel;
    private readonly Dictionary<string, ForwardedPortLocal> _forwards = new(StringComparer.Ordinal);
    private bool _disposed;

    private SshTransport(HostConnection host, SshTransportOptions options) : base(host)
    {
        _options = options;
    }

    /// <summary>How many SSH sessions (TCP connections to the target) this transport opened; 1 in a healthy run.</summary>
    public int ConnectionsOpened { get; private set; }

    /// <summary>Connects (with bounded retries for connection faults) and returns the open transport.</summary>
    public static async Task<SshTransport> ConnectAsync(HostConnection host, SshTransportOptions options, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ConnectAttempts, 1);
        var transport = new SshTransport(host, options);
        try
        {
            await transport.EnsureConnectedAsync(cancellation);
            return transport;
        }
        catch
        {
            await transport.DisposeAsync();
            throw;
        }
    }

    protected override async Task<CommandResult> RunCoreAsync(RemoteCommand command, ReadOnlyMemory<byte> stdin, CancellationToken cancellation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // The command has not started yet, so reconnecting a dropped session here is safe.
        var client = await EnsureConnectedAsync(cancellation);
        var text = ShellWrapping.Wrap(command.Raw, Host.Become, Host.User, Host.CommandTimeout);
        // SSH.NET sends EOF only after at least one byte was written, so an empty stdin is given by the shell.
        if (stdin.IsEmpty) text += " </dev/null";

        // The host kills the command at CommandTimeout (see ShellWrapping.Wrap); this client-side limit is the
        // backstop for a host that cannot (no coreutils timeout, a hung sshd), so it allows timeout's KILL grace and a bit.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(Host.CommandTimeout + TimeSpan.FromSeconds(ShellWrapping.KillGraceSeconds + 5));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var ssh = client.CreateCommand(text);
        try
        {
            var execution = ssh.ExecuteAsync(timeout.Token);
            // Always send EOF: a command that reads stdin must never wait for input nobody will type.
            if (!stdin.IsEmpty)
            {
                await using var input = ssh.CreateInputStream();
                await input.WriteAsync(stdin, timeout.Token);
            }
            await execution;
            var exitCode = ExitCodeOf(ssh);
            // 124 from timeout after the limit has passed: the host killed it (a command's own 124 comes earlier).
            if (exitCode == ShellWrapping.TimeoutExitCode && clock.Elapsed >= Host.CommandTimeout - TimeSpan.FromMilliseconds(50))
                throw TimedOut(command);
            return new CommandResult(exitCode, ssh.Result, ssh.Error);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            // The host did not end it: try a signal (newer sshd honour it), and Dispose closes the channel.
            try { ssh.CancelAsync(forceKill: true, millisecondsTimeout: 1000); } catch (Exception) { /* best effort */ }
            throw TimedOut(command);
        }
        catch (Exception e) when (e is SshException or SocketException or IOException or ObjectDisposedException)
        {
            // No inner exception: SSH.NET messages may quote the raw command text.
            throw new TransportException(Host.HostName,
                $"Connection to host '{Host.HostName}' ({Host.Address}:{Host.Port}) failed while running `{command.Display}`: " +
                $"{e.GetType().Name}: {command.MaskSecrets(e.Message)}. The command may or may not have run; re-run to resume.");
        }
    }

    /// <summary>Forwards 127.0.0.1:(free port) to ADDRESS:PORT as seen from the host, on the run's one session.</summary>
    public async Task<System.Net.IPEndPoint> ForwardAsync(string address, int port, CancellationToken cancellation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var client = await EnsureConnectedAsync(cancellation);
        await _connectGate.WaitAsync(cancellation);
        try
        {
            var key = $"{address}:{port}";
            // A reconnected session drops its forwards: open a new one then.
            if (!_forwards.TryGetValue(key, out var forward) || !forward.IsStarted || !client.ForwardedPorts.Contains(forward))
            {
                forward = new ForwardedPortLocal("127.0.0.1", 0, address, (uint)port);
                client.AddForwardedPort(forward);
                forward.Start();
                _forwards[key] = forward;
            }
            return new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, (int)forward.BoundPort);
        }
        catch (Exception e) when (e is SshException or SocketException or InvalidOperationException)
        {
            throw new TransportException(Host.HostName,
                $"Could not forward a local port to {address}:{port} through host '{Host.HostName}' ({Host.Address}:{Host.Port}): {e.Message}. " +
                "Fix: allow TCP forwarding for this user in the host's sshd_config (AllowTcpForwarding yes).");
        }
        finally { _connectGate.Release(); }
    }

    /// <summary>Local forwards open now.</summary>
    public int OpenForwards { get { lock (_forwards) return _forwards.Count; } }

    /// <summary>Stops every local forward (the session stays open); the next ForwardAsync opens a new one.</summary>
    public async Task CloseForwardsAsync()
    {
        await _connectGate.WaitAsync();
        try
        {
            foreach (var forward in _forwards.Values)
            {
                try { forward.Stop(); } catch (Exception) { /* already down with its session */ }
                _client?.RemoveForwardedPort(forward);
                forward.Dispose();
            }
            _forwards.Clear();
        }
        finally { _connectGate.Release(); }
    }

    private CommandTimeoutException TimedOut(RemoteCommand command) => new(Host.HostName,
        $"Command `{command.Display}` on host '{Host.HostName}' did not finish within {Host.CommandTimeout.TotalSeconds:0.###} s and was killed. " +
        "Fix: find out why it hangs on the host, or raise the command timeout for this host.", Host.CommandTimeout);

    // OpenSSH reports a killed command as an exit signal, not a status; map it like a shell does (128 + n).
    private static int ExitCodeOf(SshCommand ssh) => ssh.ExitStatus ?? ssh.ExitSignal switch
    {
        "HUP" => 129, "INT" => 130, "QUIT" => 131, "KILL" => 137, "SEGV" => 139, "PIPE" => 141, "ALRM" => 142, "TERM" => 143,
        _ => 255,
    };

    private async Task<SshClient> EnsureConnectedAsync(CancellationToken cancellation)
    {
        var current = _client;
        if (current is { IsConnected: true }) return current;
        await _connectGate.WaitAsync(cancellation);
        try
        {
            if (_client is { IsConnected: true }) return _client;
            CloseConnections();
            if (Host.JumpHost is { } jump)
            {
                _jumpClient = await ConnectWithRetriesAsync(jump, jump.Address, jump.Port, cancellation);
                // A local port on loopback that the bastion forwards to the target (ssh -J does the same over stdio).
                _tunnel = new ForwardedPortLocal("127.0.0.1", 0, Host.Address, (uint)Host.Port);
                _jumpClient.AddForwardedPort(_tunnel);
                _tunnel.Start();
                _client = await ConnectWithRetriesAsync(Host, "127.0.0.1", (int)_tunnel.BoundPort, cancellation);
            }
            else
            {
                _client = await ConnectWithRetriesAsync(Host, Host.Address, Host.Port, cancellation);
            }
            ConnectionsOpened++;
            return _client;
        }
        finally
        {
            _connectGate.Release();
        }
    }

    /// <summary>
    /// Connects to <paramref name="dialAddress"/>:<paramref name="dialPort"/> but checks the host key as
    /// <paramref name="host"/>'s own address and port (they differ through a jump host's tunnel).
    /// </summary>
    private async Task<SshClient> ConnectWithRetriesAsync(HostConnection host, string dialAddress, int dialPort, CancellationToken cancellation)
    {
        var delay = _options.RetryBackoff;
        Exception? last = null;
        for (var attempt = 1; attempt <= _options.ConnectAttempts; attempt++)
        {
            if (attempt > 1)
            {
                await Task.Delay(delay, cancellation);
                delay *= 2;
            }
            var client = CreateClient(host, dialAddress, dialPort, out var verifier);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                timeout.CancelAfter(host.ConnectTimeout);
                EngineTrace.Mark($"{host.HostName}: ssh connecting");
                await client.ConnectAsync(timeout.Token);
                EngineTrace.Mark($"{host.HostName}: ssh session up (kex {client.ConnectionInfo.CurrentKeyExchangeAlgorithm})");
                return client;
            }
            catch (Exception) when (verifier.Refusal is not null)
            {
                client.Dispose();
                throw verifier.Refusal; // a bad host key is never retried
            }
            catch (SshConnectionException e) when (e.Message.StartsWith("No matching ", StringComparison.Ordinal)
                && !(verifier.FilteredToKnownTypes && e.Message.Contains("host key", StringComparison.Ordinal)))
            {
                // We offer modern algorithms only (SshAlgorithms); a host offering none of them is refused, never retried.
                client.Dispose();
                throw new TransportException(host.HostName, SshAlgorithms.Refusal(host.HostName, host.Address, host.Port, e.Message));
            }
            catch (SshConnectionException e) when (verifier.FilteredToKnownTypes && !verifier.Invoked && e.DisconnectReason != DisconnectReason.ConnectionLost)
            {
                // We asked only for the key types knownHosts holds and the host had none of them: a rebuilt host or an impostor.
                client.Dispose();
                throw verifier.NoKnownKeyTypeOffered(e.Message);
            }
            catch (SshAuthenticationException e)
            {
                client.Dispose();
                throw new TransportException(host.HostName,
                    $"Host '{host.HostName}' ({host.Address}:{host.Port}) refused key authentication for user '{host.User}' " +
                    $"with {host.PrivateKeyFile ?? $"the keys of the ssh-agent at {host.AgentSocket}"}: {e.Message}. Fix: add the matching public key to " +
                    $"~{host.User}/.ssh/authorized_keys on that host, or set the right private key for it.", e);
            }
            catch (Exception e) when (IsConnectionFault(e, cancellation))
            {
                client.Dispose();
                last = e;
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }
        throw new HostUnreachableException(host.HostName,
            $"Could not connect to host '{host.HostName}' at {dialAddress}:{dialPort} after {_options.ConnectAttempts} attempt(s): " +
            $"{Describe(last)}. Fix: check that the host is up, that sshd listens on port {host.Port}, and that no firewall blocks it.",
            _options.ConnectAttempts, last);
    }

    private static string Describe(Exception? e) => e switch
    {
        SocketException s => $"{s.SocketErrorCode} ({s.Message})",
        OperationCanceledException or SshOperationTimeoutException => "timed out",
        null => "unknown error",
        _ => e.Message,
    };

    // Transient network faults are worth another try; auth, key and protocol refusals are not.
    private static bool IsConnectionFault(Exception e, CancellationToken cancellation) => e switch
    {
        SocketException or SshOperationTimeoutException or ProxyException => true,
        OperationCanceledException => !cancellation.IsCancellationRequested, // our connect timeout, not the caller
        SshConnectionException c => c.DisconnectReason is DisconnectReason.ConnectionLost or DisconnectReason.None
            or DisconnectReason.ByApplication or DisconnectReason.TooManyConnections or DisconnectReason.ServiceNotAvailable,
        IOException => true,
        _ => false,
    };

    private SshClient CreateClient(HostConnection host, string dialAddress, int dialPort, out HostKeyVerifier verifier)
    {
        var info = new ConnectionInfo(dialAddress, dialPort, host.User, new PrivateKeyAuthenticationMethod(host.User, LoadPrivateKeys(host)))
        {
            Timeout = host.ConnectTimeout,
        };
        SshAlgorithms.RestrictToModern(info);
        var knownHosts = KnownHostsFile.Load(_options.KnownHostsFile);
        var knownTypes = knownHosts.KnownKeyTypes(host.Address, host.Port);
        var check = new HostKeyVerifier(host, knownHosts, _options)
        {
            FilteredToKnownTypes = PreferKnownKeyTypes(info, knownTypes),
            KnownTypes = knownTypes,
        };
        var client = new SshClient(info) { KeepAliveInterval = _options.KeepAliveInterval };
        client.HostKeyReceived += (_, e) => e.CanTrust = check.Verify(e.HostKey);
        verifier = check;
        return client;
    }

    // Like OpenSSH: when knownHosts holds keys of some types for this host, ask only for those types, so a
    // server offering several keys presents the one we can check (and never a "new" key of another type).
    private static bool PreferKnownKeyTypes(ConnectionInfo info, IReadOnlySet<string> knownTypes)
    {
        if (knownTypes.Count == 0) return false;
        static string KeyTypeOf(string algorithm) => algorithm.StartsWith("rsa-sha2-", StringComparison.Ordinal) ? "ssh-rsa" : algorithm;
        var unwanted = info.HostKeyAlgorithms.Keys.Where(a => !knownTypes.Contains(KeyTypeOf(a))).ToList();
        if (unwanted.Count == info.HostKeyAlgorithms.Count) return false; // nothing we know is supported; let the check explain
        foreach (var algorithm in unwanted) info.HostKeyAlgorithms.Remove(algorithm);
        return unwanted.Count > 0;
    }

    /// <summary>
    /// The keys that log in: the key file when it can be read, else the ssh-agent's keys (all of them when no file is set,
    /// or the one matching FILE.pub when the file is encrypted and no passphrase is given), as OpenSSH uses the agent.
    /// </summary>
    private static IPrivateKeySource[] LoadPrivateKeys(HostConnection host)
    {
        var agent = host.AgentSocket is { } socket ? new SshAgent(socket) : null;
        if (string.IsNullOrEmpty(host.PrivateKeyFile))
        {
            if (agent is null)
                throw new TransportException(host.HostName,
                    $"No private key set for host '{host.HostName}' and no ssh-agent (SSH_AUTH_SOCK is not set). " +
                    "Fix: set ansible_ssh_private_key_file for it, or start ssh-agent and ssh-add the key.");
            var keys = AgentKeys(host, agent, null);
            return keys.Length > 0 ? keys : throw new TransportException(host.HostName,
                $"No private key set for host '{host.HostName}' and the ssh-agent at {agent.SocketPath} holds no usable key. " +
                "Fix: ssh-add the key, or set ansible_ssh_private_key_file for the host.");
        }
        if (!File.Exists(host.PrivateKeyFile))
            throw new TransportException(host.HostName,
                $"Private key file {host.PrivateKeyFile} for host '{host.HostName}' does not exist. Fix: point the host's key setting at an existing file.");
        try
        {
            return [host.PrivateKeyPassphrase is { } passphrase
                ? new PrivateKeyFile(host.PrivateKeyFile, passphrase.Reveal())
                : new PrivateKeyFile(host.PrivateKeyFile)];
        }
        catch (SshPassPhraseNullOrEmptyException e) when (agent is not null)
        {
            // Encrypted and no passphrase: the agent may hold it (an agent error is reported, not swallowed).
            var held = AgentKeys(host, agent, host.PrivateKeyFile + ".pub");
            return held.Length > 0 ? held : throw Unreadable(host, e);
        }
        catch (Exception e) when (e is SshException or InvalidOperationException or ArgumentException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            throw Unreadable(host, e);
        }
    }

    // No inner exception and no library message: never risk echoing key material or the passphrase.
    private static TransportException Unreadable(HostConnection host, Exception e) => new(host.HostName,
        $"Private key file {host.PrivateKeyFile} for host '{host.HostName}' could not be read ({e.GetType().Name}). " +
        "Fix: check the file is an OpenSSH/PEM private key and, if it is encrypted, ssh-add it to a running ssh-agent " +
        $"(its public key must be in {host.PrivateKeyFile}.pub) or set its passphrase.");

    /// <summary>The agent's keys, or only the one whose public key is in <paramref name="publicKeyFile"/>.</summary>
    private static IPrivateKeySource[] AgentKeys(HostConnection host, SshAgent agent, string? publicKeyFile)
    {
        try
        {
            var identities = agent.Identities();
            if (publicKeyFile is null) return agent.KeySources(identities);
            var wanted = PublicKeyBlob(publicKeyFile);
            return wanted is null ? [] : agent.KeySources(identities.Where(i => i.PublicKey.AsSpan().SequenceEqual(wanted)));
        }
        catch (SshAgentException e)
        {
            throw new TransportException(host.HostName, $"{e.Message} Fix: check SSH_AUTH_SOCK names a running ssh-agent (ssh-add -l).");
        }
    }

    /// <summary>The key blob of an OpenSSH public key file ("TYPE BASE64 [COMMENT]"); null when absent or not of that form.</summary>
    private static byte[]? PublicKeyBlob(string path)
    {
        if (!File.Exists(path)) return null;
        var fields = File.ReadAllText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 2) return null;
        try { return Convert.FromBase64String(fields[1]); }
        catch (FormatException) { return null; }
    }

    public override async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await _connectGate.WaitAsync();
        try { CloseConnections(); }
        finally { _connectGate.Release(); }
        _connectGate.Dispose();
    }

    private void CloseConnections()
    {
        foreach (var forward in _forwards.Values)
        {
            try { forward.Stop(); } catch (Exception) { /* already down with its session */ }
            forward.Dispose();
        }
        _forwards.Clear();
        _client?.Dispose();
        _client = null;
        if (_tunnel is not null)
        {
            try { _tunnel.Stop(); } catch (Exception) { /* already down with its session */ }
            _tunnel.Dispose();
            _tunnel = null;
        }
        _jumpClient?.Dispose();
        _jumpClient = null;
    }

    /// <summary>Checks one presented key against knownHosts and remembers why it refused, for a clear error.</summary>
    private sealed class HostKeyVerifier(HostConnection host, KnownHostsFile knownHosts, SshTransportOptions options)
    {
        public HostKeyVerificationException? Refusal { get; private set; }
        public bool Invoked { get; private set; }
        public bool FilteredToKnownTypes { get; init; }
        public IReadOnlySet<string> KnownTypes { get; init; } = new HashSet<string>();

        public HostKeyVerificationException NoKnownKeyTypeOffered(string detail)
        {
            var token = KnownHostsFile.HostToken(host.Address, host.Port);
            return new HostKeyVerificationException(host.HostName,
                $"HOST KEY CHANGED for '{host.HostName}' ({token}): {knownHosts.Path} lists only {string.Join(", ", KnownTypes.Order())} key(s) for it, " +
                $"but the host offers none of those types ({detail}). The host may have been rebuilt, or someone may be intercepting the " +
                $"connection (man-in-the-middle). Refusing to connect. Fix: if the change is expected, remove the old line with " +
                $"`ssh-keygen -R '{token}' -f {knownHosts.Path}` and add the new key after checking its fingerprint.");
        }

        public bool Verify(byte[] presentedBlob)
        {
            Invoked = true;
            var verdict = knownHosts.Check(host.Address, host.Port, presentedBlob);
            var token = KnownHostsFile.HostToken(host.Address, host.Port);
            var type = KnownHostsFile.KeyTypeOf(presentedBlob);
            switch (verdict.Status)
            {
                case HostKeyStatus.Trusted:
                    return true;
                case HostKeyStatus.Unknown when options.AcceptNewHostKeys:
                    KnownHostsFile.Append(knownHosts.Path, host.Address, host.Port, presentedBlob);
                    return true;
                case HostKeyStatus.Unknown:
                    Refusal = new HostKeyVerificationException(host.HostName,
                        $"Host key of '{host.HostName}' ({token}, {type} {verdict.PresentedFingerprint}) is not in {knownHosts.Path}; refusing to connect. " +
                        $"Fix: verify the fingerprint, then run with --accept-new-host-keys, or add it with " +
                        $"`ssh-keyscan -p {host.Port} {host.Address} >> {knownHosts.Path}`.");
                    return false;
                case HostKeyStatus.Revoked:
                    Refusal = new HostKeyVerificationException(host.HostName,
                        $"Host key of '{host.HostName}' ({token}, {type} {verdict.PresentedFingerprint}) is marked @revoked in {knownHosts.Path}; refusing to connect.");
                    return false;
                default:
                    Refusal = new HostKeyVerificationException(host.HostName,
                        $"HOST KEY CHANGED for '{host.HostName}' ({token}): it presented {type} {verdict.PresentedFingerprint}, but {verdict.KnownAt} " +
                        $"expects {verdict.KnownFingerprint}. Someone may be intercepting the connection (man-in-the-middle), or the host was rebuilt. " +
                        $"Refusing to connect (--accept-new-host-keys never replaces a known key). Fix: if the change is expected, remove the old line with " +
                        $"`ssh-keygen -R '{token}' -f {knownHosts.Path}` and add the new key after checking its fingerprint.");
                    return false;
            }
        }
    }
}

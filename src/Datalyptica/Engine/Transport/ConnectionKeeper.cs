using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Datalyptica.Contracts.Hosts;

namespace Datalyptica.Engine.Transport;

/// <summary>
/// SSH sessions kept open between runs by one long-lived process (the CLI daemon), as OpenSSH's ControlPersist keeps
/// a master connection that Ansible reuses. A run asks for a host as usual and gets a handle on the kept session; disposing
/// the handle leaves the session open for the next run. Sessions are keyed by everything that decides how a host is
/// reached and trusted (address, user, key file, known_hosts file and their modification times, timeouts), so an edited
/// known_hosts or a new key opens (and checks) a new session instead of reusing one made under the old trust. A session
/// that dropped reconnects, with the usual host key check, before its next command (see <see cref="SshTransport"/>).
/// </summary>
public sealed class ConnectionKeeper : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Kept> _kept = new(StringComparer.Ordinal);
    private readonly TimeSpan _unusedLimit;
    private int _disposed;

    /// <param name="unusedLimit">A session no run asked for in this long is closed (default 10 minutes).</param>
    public ConnectionKeeper(TimeSpan? unusedLimit = null) => _unusedLimit = unusedLimit ?? TimeSpan.FromMinutes(10);

    /// <summary>Sessions currently kept, by host name (for `daemon status`).</summary>
    public IReadOnlyList<string> KeptHosts => _kept.Values.Select(k => k.HostName).Order(StringComparer.Ordinal).ToList();

    /// <summary>Sessions this keeper opened since it started (a reused session counts once).</summary>
    public int SessionsOpened => _opened;
    private int _opened;

    /// <summary>The kept session for this host and options, opening it on first use. Disposing the result keeps the session.</summary>
    public async Task<IHostTransport> ConnectAsync(HostConnection host, SshTransportOptions options, CancellationToken cancellation)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await CloseUnusedAsync();
        var identity = Identity(host, options);
        var kept = _kept.GetOrAdd(identity, _ => new Kept(host.HostName, new Lazy<Task<SshTransport>>(async () =>
        {
            // Not the caller's token: the session outlives this run, and the connect timeout bounds the wait.
            var transport = await SshTransport.ConnectAsync(host, options, CancellationToken.None);
            Interlocked.Increment(ref _opened);
            return transport;
        })));
        kept.LastUsed = DateTime.UtcNow;
        try
        {
            return new KeptTransport(await kept.Session.Value.WaitAsync(cancellation));
        }
        catch (Exception) when (kept.Session.Value.IsFaulted)
        {
            _kept.TryRemove(KeyValuePair.Create(identity, kept)); // the next run tries again
            throw;
        }
    }

    private async Task CloseUnusedAsync()
    {
        var cutoff = DateTime.UtcNow - _unusedLimit;
        foreach (var (identity, kept) in _kept)
            if (kept.LastUsed < cutoff && _kept.TryRemove(KeyValuePair.Create(identity, kept)))
                await kept.CloseAsync();
    }

    // Everything that decides where we connect and whom we trust; a file's identity includes its last write, so a changed
    // known_hosts or key file is never served by a session made before the change.
    private static string Identity(HostConnection host, SshTransportOptions options)
    {
        static string FileStamp(string? path) =>
            path is null ? "-" : File.Exists(path) ? $"{Path.GetFullPath(path)}@{File.GetLastWriteTimeUtc(path).Ticks}:{new FileInfo(path).Length}" : $"{path}@missing";
        var text = new StringBuilder();
        for (var hop = host; hop is not null; hop = hop.JumpHost)
            text.Append($"{hop.HostName}|{hop.User}@{hop.Address}:{hop.Port}|become={hop.Become}|key={FileStamp(hop.PrivateKeyFile)}|" +
                        $"pass={hop.PrivateKeyPassphrase is not null}|agent={hop.AgentSocket}|connect={hop.ConnectTimeout.Ticks}|command={hop.CommandTimeout.Ticks}>");
        text.Append($"known={FileStamp(options.KnownHostsFile)}|acceptNew={options.AcceptNewHostKeys}|attempts={options.ConnectAttempts}|" +
                    $"backoff={options.RetryBackoff.Ticks}|keepalive={options.KeepAliveInterval.Ticks}");
        return text.ToString();
    }

    /// <summary>
    /// Stops every local port forward of every kept session (the sessions stay). A forward listens on 127.0.0.1, where
    /// any local user could use it to reach a host's firewalled service, so none outlives the run that opened it (issue 13).
    /// </summary>
    public async Task CloseForwardsAsync()
    {
        foreach (var kept in _kept.Values.Where(k => k.Session.IsValueCreated))
        {
            try { await (await kept.Session.Value).CloseForwardsAsync(); }
            catch (Exception) { /* never opened: nothing forwarded */ }
        }
    }

    /// <summary>How many local forwards the kept sessions have open now (for status and tests).</summary>
    public int OpenForwards => _kept.Values.Where(k => k.Session.IsValueCreated && k.Session.Value.IsCompletedSuccessfully)
        .Sum(k => k.Session.Value.Result.OpenForwards);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var kept in _kept.Values) await kept.CloseAsync();
        _kept.Clear();
    }

    private sealed class Kept(string hostName, Lazy<Task<SshTransport>> session)
    {
        public string HostName { get; } = hostName;
        public Lazy<Task<SshTransport>> Session { get; } = session;
        public DateTime LastUsed { get; set; } = DateTime.UtcNow;

        public async Task CloseAsync()
        {
            if (!Session.IsValueCreated) return;
            try { await (await Session.Value).DisposeAsync(); }
            catch (Exception) { /* never opened: nothing to close */ }
        }
    }

    /// <summary>A run's handle on a kept session: everything goes to the session, except Dispose, which keeps it.</summary>
    private sealed class KeptTransport(SshTransport session) : IHostTransport, IPortForwarder
    {
        public string HostName => session.HostName;

        public Task<CommandResult> RunAsync(RemoteCommand command, CancellationToken cancellation, string? stdin = null) =>
            session.RunAsync(command, cancellation, stdin);

        public Task UploadAsync(ReadOnlyMemory<byte> content, string remotePath, CancellationToken cancellation) =>
            session.UploadAsync(content, remotePath, cancellation);

        public Task<IPEndPoint> ForwardAsync(string address, int port, CancellationToken cancellation) =>
            session.ForwardAsync(address, port, cancellation);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

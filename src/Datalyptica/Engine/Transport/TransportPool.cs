using System.Collections.Concurrent;
using Datalyptica.Contracts.Hosts;

namespace Datalyptica.Engine.Transport;

/// <summary>
/// The run's connections: opens transports for many hosts in parallel (at most <c>maxParallel</c> handshakes
/// at a time), hands out the same open transport for a host for the whole run, and disposes them all.
/// A host that cannot be reached fails alone: the others open normally.
/// </summary>
public sealed class TransportPool : IAsyncDisposable
{
    private readonly Func<HostConnection, CancellationToken, Task<IHostTransport>> _open;
    private readonly SemaphoreSlim _openSlots;
    private readonly ConcurrentDictionary<string, Lazy<Task<IHostTransport>>> _transports = new(StringComparer.Ordinal);
    private int _disposed;

    public TransportPool(Func<HostConnection, CancellationToken, Task<IHostTransport>> open, int maxParallel = 16)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxParallel, 1);
        _open = open;
        _openSlots = new SemaphoreSlim(maxParallel, maxParallel);
    }

    /// <summary>A pool of <see cref="SshTransport"/>s sharing one set of options.</summary>
    public static TransportPool ForSsh(SshTransportOptions options, int maxParallel = 16) =>
        new(async (host, ct) => await SshTransport.ConnectAsync(host, options, ct), maxParallel);

    /// <summary>Returns the open transport for a host, connecting on first use. Concurrent callers share one connection.</summary>
    public Task<IHostTransport> GetAsync(HostConnection host, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(host);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var lazy = _transports.GetOrAdd(host.HostName, _ => new Lazy<Task<IHostTransport>>(() => OpenLimitedAsync(host, cancellation)));
        return lazy.Value;
    }

    /// <summary>Opens every host in parallel; returns each host's transport or the exception that stopped it.</summary>
    public async Task<IReadOnlyDictionary<string, HostOpenResult>> OpenAllAsync(IEnumerable<HostConnection> hosts, CancellationToken cancellation)
    {
        var list = hosts.ToList();
        var tasks = list.Select(async h =>
        {
            try { return new HostOpenResult(h.HostName, await GetAsync(h, cancellation), null); }
            catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
            {
                return new HostOpenResult(h.HostName, null, e);
            }
        });
        var results = await Task.WhenAll(tasks);
        return results.ToDictionary(r => r.HostName, StringComparer.Ordinal);
    }

    private async Task<IHostTransport> OpenLimitedAsync(HostConnection host, CancellationToken cancellation)
    {
        await _openSlots.WaitAsync(cancellation);
        try { return await _open(host, cancellation); }
        catch
        {
            // Let a later call try again (the next run step may find the host back).
            _transports.TryRemove(host.HostName, out _);
            throw;
        }
        finally { _openSlots.Release(); }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        var open = _transports.Values.Where(l => l.IsValueCreated).Select(l => l.Value).ToList();
        _transports.Clear();
        foreach (var task in open)
        {
            IHostTransport? transport = null;
            try { transport = await task; }
            catch (Exception) { /* never opened: nothing to close */ }
            if (transport is not null) await transport.DisposeAsync();
        }
        _openSlots.Dispose();
    }
}

/// <summary>One host's outcome in <see cref="TransportPool.OpenAllAsync"/>.</summary>
public sealed record HostOpenResult(string HostName, IHostTransport? Transport, Exception? Error)
{
    public bool Opened => Transport is not null;
}

using System.Collections.Concurrent;
using System.Net;
using Datalyptica.Contracts.Health;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Model;

namespace Datalyptica.Verification;

/// <summary>
/// Probes over the engine's transport: TCP goes through the host's own SSH session when the transport forwards ports
/// (so the host's firewall never stands between verify and a service), else straight to the address (loopback tests).
/// </summary>
public sealed class TransportProbeAccess(IHostTransport transport, bool forwardPorts = true) : IProbeAccess
{
    public string HostName => transport.HostName;

    public async Task<IPEndPoint> EndpointAsync(string address, int port, CancellationToken cancellation) =>
        forwardPorts && transport is IPortForwarder forwarder
            ? await forwarder.ForwardAsync(address, port, cancellation)
            : new IPEndPoint(IPAddress.Parse(address), port);

    public Task<CommandResult> RunAsync(string command, CancellationToken cancellation) =>
        transport.RunAsync(RemoteCommand.Shell(command), cancellation);
}

/// <summary>
/// A verify run's sessions: one per host, opened on first use on a worker thread (an SSH handshake blocks) and shared by
/// all of that host's probes; a host that could not be opened stays failed for the run. Disposing closes them all.
/// </summary>
public sealed class ProbeSessions(Func<Host, IHostTransport> connect) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<IHostTransport>>> _open = new(StringComparer.Ordinal);

    public async Task<IProbeAccess> AccessAsync(Host host, CancellationToken cancellation) =>
        new TransportProbeAccess(await _open.GetOrAdd(host.Name, _ => new Lazy<Task<IHostTransport>>(() => Task.Run(() => connect(host)))).Value.WaitAsync(cancellation));

    public async ValueTask DisposeAsync()
    {
        foreach (var lazy in _open.Values.Where(l => l.IsValueCreated))
            try { await (await lazy.Value).DisposeAsync(); } catch (Exception) { /* never opened */ }
    }
}

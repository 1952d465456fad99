using System.Collections.Concurrent;
using System.Net;
using Datalyptica.Engine.Transport;
using Datalyptica.Model;

namespace Datalyptica.Verification;

/// <summary>How probes reach one host: TCP endpoints for its services and, where there is one, a shell (read-only commands).</summary>
public interface IProbeAccess
{
    string HostName { get; }

    /// <summary>A local endpoint that reaches <paramref name="address"/>:<paramref name="port"/> as seen from the host.</summary>
    Task<IPEndPoint> EndpointAsync(string address, int port, CancellationToken cancellation);

    /// <summary>Runs a read-only command on the host; a non-zero exit is a result, not an exception.</summary>
    Task<CommandResult> RunAsync(string command, CancellationToken cancellation);
}

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

using System.Net;
using Datalyptica.Engine.Transport;

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

using System.Net;
using Datalyptica.Contracts.Hosts;

namespace Datalyptica.Contracts.Health;

/// <summary>How probes reach one host: TCP endpoints for its services and, where there is one, a shell (read-only commands).</summary>
public interface IProbeAccess
{
    string HostName { get; }

    /// <summary>A local endpoint that reaches <paramref name="address"/>:<paramref name="port"/> as seen from the host.</summary>
    Task<IPEndPoint> EndpointAsync(string address, int port, CancellationToken cancellation);

    /// <summary>Runs a read-only command on the host; a non-zero exit is a result, not an exception.</summary>
    Task<CommandResult> RunAsync(string command, CancellationToken cancellation);
}

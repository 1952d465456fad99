using System.Net;

namespace Datalyptica.Contracts.Hosts;

/// <summary>
/// A transport that can carry TCP to an address as seen from the host (SSH direct-tcpip): health probes reach a
/// service through the host's own session, so they need no tool on the host and pass its firewall (traffic to the
/// host's own address arrives on loopback, which the rendered ruleset accepts).
/// </summary>
public interface IPortForwarder
{
    /// <summary>
    /// A local endpoint on 127.0.0.1 whose connections the host opens to <paramref name="address"/>:<paramref name="port"/>.
    /// One listener per target for the transport's lifetime; closed with the transport.
    /// </summary>
    Task<IPEndPoint> ForwardAsync(string address, int port, CancellationToken cancellation);
}

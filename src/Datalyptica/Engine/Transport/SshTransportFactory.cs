using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Apply;

namespace Datalyptica.Engine.Transport;

/// <summary>
/// Opens SSH transports for a run: shared known_hosts policy, and a default key for hosts that name none. With a
/// <see cref="ConnectionKeeper"/> (in the CLI daemon) it hands out kept sessions instead of new connections.
/// </summary>
public sealed class SshTransportFactory(SshTransportOptions options, string? defaultPrivateKeyFile, ConnectionKeeper? keeper = null) : IHostTransportFactory
{
    public IHostTransport Connect(HostConnection connection)
    {
        var host = connection with { PrivateKeyFile = connection.PrivateKeyFile ?? defaultPrivateKeyFile };
        // Callers open hosts from worker threads (no synchronisation context), so blocking here cannot deadlock.
        return keeper is null
            ? SshTransport.ConnectAsync(host, options, CancellationToken.None).GetAwaiter().GetResult()
            : keeper.ConnectAsync(host, options, CancellationToken.None).GetAwaiter().GetResult();
    }
}

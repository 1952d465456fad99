using Datalyptica.Engine.Apply;

namespace Datalyptica.Engine.Transport;

/// <summary>Opens SSH transports for a run: shared known_hosts policy, and a default key for hosts that name none.</summary>
public sealed class SshTransportFactory(SshTransportOptions options, string? defaultPrivateKeyFile) : IHostTransportFactory
{
    public IHostTransport Connect(HostConnection connection) =>
        // Callers open hosts from worker threads (no synchronisation context), so blocking here cannot deadlock.
        SshTransport.ConnectAsync(connection with { PrivateKeyFile = connection.PrivateKeyFile ?? defaultPrivateKeyFile },
            options, CancellationToken.None).GetAwaiter().GetResult();
}

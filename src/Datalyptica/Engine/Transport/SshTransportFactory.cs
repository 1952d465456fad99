using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Apply;

namespace Datalyptica.Engine.Transport;

/// <summary>
/// Opens SSH transports for a run: shared known_hosts policy, and a default key for hosts that name none. With a
/// <see cref="ConnectionKeeper"/> (in the CLI daemon) it hands out kept sessions instead of new connections. With a
/// <see cref="SshClientConfig"/>, OpenSSH's client config applies as it does for Ansible's ssh.
/// </summary>
public sealed class SshTransportFactory(SshTransportOptions options, string? defaultPrivateKeyFile, ConnectionKeeper? keeper = null,
    SshClientConfig? clientConfig = null) : IHostTransportFactory
{
    public IHostTransport Connect(HostConnection given)
    {
        // ~/.ssh/config fills in what the inventory leaves out, before the default key does.
        var connection = clientConfig?.Apply(given) ?? given;
        // A jump host without a key of its own logs in with the host's key, else the default one (as ssh -J does).
        var key = connection.PrivateKeyFile ?? defaultPrivateKeyFile;
        var host = connection with
        {
            PrivateKeyFile = key,
            JumpHost = connection.JumpHost is { } jump ? jump with { PrivateKeyFile = jump.PrivateKeyFile ?? key } : null,
        };
        // Callers open hosts from worker threads (no synchronisation context), so blocking here cannot deadlock.
        return keeper is null
            ? SshTransport.ConnectAsync(host, options, CancellationToken.None).GetAwaiter().GetResult()
            : keeper.ConnectAsync(host, options, CancellationToken.None).GetAwaiter().GetResult();
    }
}

using Datalyptica.Contracts.Hosts;
namespace Datalyptica.Engine.Transport;

/// <summary>Run-wide SSH settings (per-host ones live in <see cref="HostConnection"/>).</summary>
public sealed record SshTransportOptions
{
    /// <summary>The OpenSSH-format known_hosts file every host key is checked against.</summary>
    public required string KnownHostsFile { get; init; }

    /// <summary>
    /// <c>--accept-new-host-keys</c>: a host that is not in <see cref="KnownHostsFile"/> is trusted and its key
    /// appended (OpenSSH's StrictHostKeyChecking=accept-new). A changed key is refused regardless.
    /// </summary>
    public bool AcceptNewHostKeys { get; init; }

    /// <summary>Connection attempts for transient faults (refused, reset, timed out). Commands are never retried.</summary>
    public int ConnectAttempts { get; init; } = 3;

    /// <summary>Wait before the second attempt; doubled before each later one.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Keep-alive on idle connections so a long run's connections survive NAT and firewalls.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(15);
}

using Datalyptica.Secrets;

namespace Datalyptica.Contracts.Hosts;

/// <summary>
/// One connection to one host, kept open for a whole run. Commands run through <c>sh -c</c> as the
/// connecting user, with sudo when <see cref="HostConnection.Become"/> is set. Implementations: SSH (SSH.NET)
/// for real hosts, and a local one that runs the same commands on this machine for tests and the control node.
/// </summary>
/// <remarks>
/// Semantics shared by every implementation: a command always gets an end-of-file on its standard input
/// (so <c>cat</c> never waits for a terminal); a non-zero exit code is a result, not an exception; a
/// command that outlives <see cref="HostConnection.CommandTimeout"/> is killed and raises
/// <see cref="CommandTimeoutException"/>; every exception names the host and shows the command only as
/// <see cref="RemoteCommand.Display"/>.
/// </remarks>
public interface IHostTransport : IAsyncDisposable
{
    string HostName { get; }

    /// <summary>Runs a command; <paramref name="stdin"/>, when given, is written to its standard input.</summary>
    Task<CommandResult> RunAsync(RemoteCommand command, CancellationToken cancellation, string? stdin = null);

    /// <summary>Writes bytes to a path on the host (the caller moves it into place atomically).</summary>
    Task UploadAsync(ReadOnlyMemory<byte> content, string remotePath, CancellationToken cancellation);
}

/// <summary>How to reach a host: from its inventory variables (ansible_host, ansible_user, ansible_port, ...).</summary>
public sealed record HostConnection(string HostName, string Address, int Port = 22, string User = "root")
{
    /// <summary>Use sudo for commands (ansible_become); needed when <see cref="User"/> is not root.</summary>
    public bool Become { get; init; }
    public string? PrivateKeyFile { get; init; }
    /// <summary>Passphrase of <see cref="PrivateKeyFile"/>, when it is encrypted.</summary>
    public Secret? PrivateKeyPassphrase { get; init; }
    /// <summary>
    /// The ssh-agent socket (SSH_AUTH_SOCK) whose keys log in when no key file is set, or when the key file is encrypted
    /// and no passphrase is given (the agent holds that key, as Ansible users keep it).
    /// </summary>
    public string? AgentSocket { get; init; }
    /// <summary>A bastion to tunnel through (ansible's ProxyJump equivalent).</summary>
    public HostConnection? JumpHost { get; init; }
    /// <summary>
    /// The settings the inventory gave explicitly; OpenSSH's client config (~/.ssh/config) fills in the others, as it
    /// does for Ansible's ssh.
    /// </summary>
    public GivenSettings Given { get; init; }
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>Which of a <see cref="HostConnection"/>'s settings were set explicitly (not defaults).</summary>
[Flags]
public enum GivenSettings
{
    None = 0,
    Port = 1,
    User = 2,
    PrivateKey = 4,
    JumpHost = 8,
}

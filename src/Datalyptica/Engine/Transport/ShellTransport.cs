using Datalyptica.Contracts.Hosts;
namespace Datalyptica.Engine.Transport;

/// <summary>
/// What every transport does the same way: commands and uploads go through one core that runs a shell command
/// with bytes on stdin, sudo refusals become one clear error, and uploads are `umask 077 && cat > path` so ownership
/// under sudo and error messages do not depend on the transport, and what is uploaded is readable by its writer only
/// until a later step sets its mode. Files apply writes (configuration, secrets) do not come here: they go through
/// <see cref="Resources.SafeFileWrite"/>.
/// </summary>
public abstract class ShellTransport(HostConnection host) : IHostTransport
{
    protected HostConnection Host { get; } = host;

    public string HostName => Host.HostName;

    public async Task<CommandResult> RunAsync(RemoteCommand command, CancellationToken cancellation, string? stdin = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        var input = stdin is null ? ReadOnlyMemory<byte>.Empty : System.Text.Encoding.UTF8.GetBytes(stdin);
        var result = await RunCoreAsync(command, input, cancellation);
        ShellWrapping.ThrowIfSudoRefused(Host, command, result);
        return result;
    }

    public async Task UploadAsync(ReadOnlyMemory<byte> content, string remotePath, CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrEmpty(remotePath);
        var command = RemoteCommand.Shell("umask 077 && cat >").Arg(remotePath);
        var result = await RunCoreAsync(command, content, cancellation);
        ShellWrapping.ThrowIfSudoRefused(Host, command, result);
        if (!result.Succeeded)
            throw new TransportException(Host.HostName,
                $"Upload to {remotePath} on host '{Host.HostName}' failed (exit {result.ExitCode}): {result.Stderr.Trim()}. " +
                "Fix: check that the directory exists and is writable by the connecting user (or set become).");
    }

    /// <summary>Runs the (wrapped) command with <paramref name="stdin"/> as its standard input.</summary>
    protected abstract Task<CommandResult> RunCoreAsync(RemoteCommand command, ReadOnlyMemory<byte> stdin, CancellationToken cancellation);

    public abstract ValueTask DisposeAsync();
}

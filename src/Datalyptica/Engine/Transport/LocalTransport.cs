using System.Diagnostics;
using System.Text;
using Datalyptica.Contracts.Hosts;

namespace Datalyptica.Engine.Transport;

/// <summary>
/// Runs commands on this machine through <c>/bin/sh -c</c>, with the same wrapping, stdin, timeout and
/// exit-code semantics as <see cref="SshTransport"/>: for tests, and for the control node itself.
/// </summary>
public sealed class LocalTransport : ShellTransport
{

    /// <param name="hostName">The name shown in messages.</param>
    /// <param name="become">Run through <c>sudo -n</c> when the current user is not root.</param>
    /// <param name="commandTimeout">Defaults to the same 10 minutes as <see cref="HostConnection.CommandTimeout"/>.</param>
    public LocalTransport(string hostName = "localhost", bool become = false, TimeSpan? commandTimeout = null)
        : base(Connection(hostName, become, commandTimeout)) { }

    private static HostConnection Connection(string hostName, bool become, TimeSpan? commandTimeout)
    {
        var defaults = new HostConnection(hostName, "localhost", User: Environment.UserName);
        return defaults with { Become = become, CommandTimeout = commandTimeout ?? defaults.CommandTimeout };
    }


    protected override async Task<CommandResult> RunCoreAsync(RemoteCommand command, ReadOnlyMemory<byte> stdin, CancellationToken cancellation)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(ShellWrapping.Wrap(command.Raw, Host.Become, Host.User));

        using var process = new Process { StartInfo = start };
        try { process.Start(); }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new TransportException(Host.HostName, $"Could not start /bin/sh on '{Host.HostName}' for `{command.Display}`: {e.Message}.");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(Host.CommandTimeout);
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            try
            {
                if (!stdin.IsEmpty) await process.StandardInput.BaseStream.WriteAsync(stdin, timeout.Token);
                process.StandardInput.Close(); // EOF, as over SSH
            }
            catch (IOException) { /* the command exited without reading all of its input: its exit code tells */ }
            await process.WaitForExitAsync(timeout.Token);
            return new CommandResult(process.ExitCode, await stdout, await stderr);
        }
        catch (OperationCanceledException)
        {
            // The whole tree: a compound command's children must not outlive it.
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { /* already gone */ }
            await process.WaitForExitAsync(CancellationToken.None);
            if (cancellation.IsCancellationRequested) throw;
            throw new CommandTimeoutException(Host.HostName,
                $"Command `{command.Display}` on host '{Host.HostName}' did not finish within {Host.CommandTimeout.TotalSeconds:0.###} s and was killed. " +
                "Fix: find out why it hangs, or raise the command timeout.", Host.CommandTimeout);
        }
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

using System.Diagnostics;
using Datalyptica.Contracts.Hosts;

namespace Datalyptica.Tests.Engine;

/// <summary>
/// Runs commands on this machine with /bin/sh (the same text an SSH transport would send). Paths in the plan carry the
/// test's temp root, so nothing outside it changes. <see cref="BeforeCommand"/> lets a test cut a run short.
/// </summary>
internal sealed class LocalTestTransport(string hostName) : IHostTransport
{
    public string HostName { get; } = hostName;
    public int Commands;
    public List<string> Log { get; } = [];
    /// <summary>Called before each command with its 1-based number (cancel a token here to simulate Ctrl-C).</summary>
    public Action<int>? BeforeCommand { get; init; }

    public async Task<CommandResult> RunAsync(RemoteCommand command, CancellationToken cancellation, string? stdin = null)
    {
        var n = Interlocked.Increment(ref Commands);
        BeforeCommand?.Invoke(n);
        cancellation.ThrowIfCancellationRequested();
        lock (Log) Log.Add(command.Display);
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command.Raw);
        using var process = Process.Start(start)!;
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellation);
        var stderr = process.StandardError.ReadToEndAsync(cancellation);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); throw; }
        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }

    public async Task UploadAsync(ReadOnlyMemory<byte> content, string remotePath, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        await File.WriteAllBytesAsync(remotePath, content.ToArray(), cancellation);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>A temp folder standing in for "/" on a host; removed at the end.</summary>
internal sealed class TempRoot : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("datalyptica-root-").FullName;

    public string this[string hostPath] => Path + hostPath;

    /// <summary>Every path, its type, mode, and content hash: equal before and after means nothing changed.</summary>
    public string Fingerprint()
    {
        var sb = new System.Text.StringBuilder();
        foreach (var entry in Directory.EnumerateFileSystemEntries(Path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(entry);
            sb.Append(entry[Path.Length..]).Append(' ').Append(File.GetUnixFileMode(entry)).Append(' ').Append(info.LinkTarget);
            if (!info.Attributes.HasFlag(FileAttributes.Directory) && info.LinkTarget is null)
                sb.Append(' ').Append(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(entry))));
            sb.Append('\n');
        }
        return sb.ToString();
    }

    public void Dispose() { try { Directory.Delete(Path, recursive: true); } catch (IOException) { } }
}

/// <summary>Finds fixture folders next to the test sources (cases are data, read where they are written).</summary>
internal static class Fixtures
{
    public static string Folder(string relative, [System.Runtime.CompilerServices.CallerFilePath] string caller = "") =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(caller)!, relative);
}

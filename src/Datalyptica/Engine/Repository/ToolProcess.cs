using System.Diagnostics;
using System.Text;

namespace Datalyptica.Engine.Repository;

/// <summary>What a local tool printed and returned.</summary>
public sealed record ToolResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// Runs a local tool (apt-get, dpkg-scanpackages) with arguments passed as a list (never through a shell),
/// C locale output for parsing, a hard timeout, and the child killed (with its children) on timeout or cancel.
/// </summary>
public static class ToolProcess
{
    public static async Task<ToolResult> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout,
        CancellationToken cancellation, string? workingDirectory = null, Action<string>? onStdoutLine = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["LC_ALL"] = "C";
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = new Process { StartInfo = start };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stdout) stdout.AppendLine(e.Data);
            onStdoutLine?.Invoke(e.Data);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        try { process.Start(); }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run '{file}': {e.Message}. Fix: install it on the control node.", e);
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timer.CancelAfter(timeout);
        try { await process.WaitForExitAsync(timer.Token); }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
            cancellation.ThrowIfCancellationRequested();
            throw new TimeoutException($"'{file} {string.Join(' ', start.ArgumentList)}' did not finish within {timeout.TotalSeconds:0} s and was stopped.");
        }
        process.WaitForExit(); // drains the asynchronous output readers
        return new ToolResult(process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}

using System.Diagnostics;

namespace Datalyptica.Tests;

/// <summary>Runs a real tool that checks what we produce (groff, bash, dot, rsvg-convert), with text on its stdin.</summary>
internal static class ExternalTool
{
    public static (int ExitCode, string Stdout, string Stderr) Run(string file, IEnumerable<string> args, string? input = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (input is not null) p.StandardInput.Write(input);
        p.StandardInput.Close();
        p.WaitForExit(60_000).ShouldBeTrue($"{file} did not finish within 60 s");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}

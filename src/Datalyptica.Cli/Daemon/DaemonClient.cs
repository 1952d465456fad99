using System.Diagnostics;
using System.Net.Sockets;

namespace Datalyptica.Cli.Daemon;

/// <summary>
/// The thin front of `verify` and `plan`: hands the command line to this user's daemon (starting it when none runs) and
/// copies its output and exit code back. It touches neither Spectre nor the site code, so a warm run costs a process start,
/// one socket and the daemon's work over SSH sessions it kept open (bench/: `verify` in tens of milliseconds).
/// Any trouble before the request is sent (no private directory, daemon will not start) falls back to running in-process.
/// </summary>
internal static class DaemonClient
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(10);

    public static bool TryRun(string[] args, out int exitCode)
    {
        exitCode = 0;
        if (!DaemonEndpoint.Serves(args) || DaemonEndpoint.PrivateDirectory() is not { } directory) return false;
        var socketPath = DaemonEndpoint.SocketPath(directory);
        using var socket = Connect(socketPath) ?? StartAndConnect(socketPath, DaemonEndpoint.LogPath(directory));
        if (socket is null) return false;

        var redirected = Console.IsOutputRedirected;
        var request = new RunRequest(args, Environment.CurrentDirectory, redirected, redirected ? 0 : TerminalWidth())
            { VaultPassword = Environment.GetEnvironmentVariable(DaemonEndpoint.SecretVariables[0]) };
        using var stream = new NetworkStream(socket, ownsSocket: false);
        using var stdout = Console.OpenStandardOutput();
        using var stderr = Console.OpenStandardError();
        exitCode = Relay(stream, request, stdout, stderr);
        return true;
    }

    /// <summary>Sends the request and copies output frames until the exit frame; a daemon that vanishes mid-run is an error.</summary>
    internal static int Relay(Stream daemon, RunRequest request, Stream stdout, Stream stderr)
    {
        DaemonProtocol.WriteFrame(daemon, DaemonProtocol.Run, DaemonProtocol.EncodeRun(request));
        while (DaemonProtocol.ReadFrame(daemon) is var (kind, payload))
        {
            switch (kind)
            {
                case DaemonProtocol.Stdout: stdout.Write(payload); stdout.Flush(); break;
                case DaemonProtocol.Stderr: stderr.Write(payload); stderr.Flush(); break;
                case DaemonProtocol.Exit: return DaemonProtocol.ExitCodeOf(payload);
            }
        }
        stderr.Write(System.Text.Encoding.UTF8.GetBytes(
            $"error: the datalyptica daemon stopped before `{request.Args[0]}` finished. It changes nothing on hosts, so re-run it; " +
            $"to run without the daemon, set {DaemonEndpoint.SwitchVariable}=off.\n"));
        return DatalypticaCli.Failed;
    }

    /// <summary>A connected socket, or null when no daemon answers there (a stale socket file is removed).</summary>
    internal static Socket? Connect(string socketPath)
    {
        if (!File.Exists(socketPath)) return null;
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            if (e.SocketErrorCode == SocketError.ConnectionRefused) DaemonEndpoint.RemoveSocket(socketPath); // its daemon died without cleaning up
            return null;
        }
    }

    // `exec setsid`: the daemon leaves the terminal's session (a Ctrl-C on this run does not reach it) and holds none of
    // this process's output streams, so `$(datalyptica verify)` or a pipe ends when this run ends, not when the daemon does.
    private static Socket? StartAndConnect(string socketPath, string logPath)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        // The daemon lives for minutes: it never holds a secret variable (each request brings its own, see RunRequest).
        foreach (var secret in DaemonEndpoint.SecretVariables) start.Environment.Remove(secret);
        foreach (var arg in new[] { "-c", "log=$1; shift; exec setsid \"$@\" </dev/null >>\"$log\" 2>&1", "datalyptica-daemon", logPath })
            start.ArgumentList.Add(arg);
        var self = Environment.ProcessPath ?? "datalyptica";
        start.ArgumentList.Add(self);
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "datalyptica.dll"));
        foreach (var arg in new[] { "daemon", "serve", "--socket", socketPath }) start.ArgumentList.Add(arg);

        Process? process;
        try { process = Process.Start(start); }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException) { return null; }
        using (process)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < StartLimit)
            {
                if (Connect(socketPath) is { } socket) return socket;
                if (process is null || process.HasExited) return Connect(socketPath); // lost a start race, or could not start
                Thread.Sleep(10);
            }
        }
        return null;
    }

    private static int TerminalWidth()
    {
        try { return Console.WindowWidth > 0 ? Console.WindowWidth : 80; }
        catch (IOException) { return 80; }
    }
}

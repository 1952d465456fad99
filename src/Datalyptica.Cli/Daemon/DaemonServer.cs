using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Datalyptica.Engine.Transport;
using Spectre.Console;

namespace Datalyptica.Cli.Daemon;

/// <summary>
/// The daemon (`datalyptica daemon serve`): runs `verify` and `plan` for clients on its Unix socket, warm (code already
/// compiled, site code loaded) and over SSH sessions it keeps between runs (<see cref="ConnectionKeeper"/>, like OpenSSH's
/// ControlPersist, which Ansible uses by default). One run at a time: a run's working directory is the client's, and the
/// process has one. A client that disconnects (Ctrl-C) cancels its run. Exits after <c>idle</c> with no run, or on `daemon stop`.
/// </summary>
internal sealed class DaemonServer(string socketPath, TimeSpan idle, TextWriter log) : IAsyncDisposable
{
    private readonly ConnectionKeeper _keeper = new();
    private readonly SemaphoreSlim _oneRun = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _uptime = Stopwatch.StartNew();
    private long _lastActivityTicks = Environment.TickCount64;
    private int _active, _runs;

    public async Task<int> RunAsync()
    {
        using var listener = Bind();
        if (listener is null)
        {
            log.WriteLine($"{DateTime.UtcNow:O} daemon pid {Environment.ProcessId}: another daemon answers on {socketPath}; exiting");
            return DatalypticaCli.Ok;
        }
        log.WriteLine($"{DateTime.UtcNow:O} daemon pid {Environment.ProcessId} listening on {socketPath} (idle limit {idle.TotalSeconds:0} s)");
        var watchdog = WatchIdleAsync();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket client;
                try { client = await listener.AcceptAsync(_stop.Token); }
                catch (OperationCanceledException) { break; }
                _ = Task.Run(() => ServeAsync(client));
            }
        }
        finally
        {
            DaemonEndpoint.RemoveSocket(socketPath);
            await _oneRun.WaitAsync(); // let a cancelled run finish writing before its sessions close
            await watchdog;
            log.WriteLine($"{DateTime.UtcNow:O} daemon pid {Environment.ProcessId} exiting after {_runs} run(s)");
        }
        return DatalypticaCli.Ok;
    }

    private Socket? Bind()
    {
        if (DaemonClient.Connect(socketPath) is { } live)
        {
            live.Dispose();
            return null;
        }
        DaemonEndpoint.RemoveSocket(socketPath);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            File.SetUnixFileMode(socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            listener.Listen(16);
            return listener;
        }
        catch (SocketException)
        {
            listener.Dispose(); // another daemon bound it between our check and our bind
            return null;
        }
    }

    private async Task WatchIdleAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try { await Task.Delay(TimeSpan.FromMilliseconds(250), _stop.Token); }
            catch (OperationCanceledException) { return; }
            if (Volatile.Read(ref _active) == 0 && Environment.TickCount64 - Interlocked.Read(ref _lastActivityTicks) > idle.TotalMilliseconds)
                await _stop.CancelAsync();
        }
    }

    private async Task ServeAsync(Socket client)
    {
        Interlocked.Increment(ref _active);
        try
        {
            using (client)
            await using (var stream = new NetworkStream(client, ownsSocket: false))
            {
                // Only this user: the folder's mode is not the only guard (unix(7), SO_PEERCRED).
                if (UnixPeer.PeerUid(client) is var peer && peer != UnixPeer.EffectiveUid)
                {
                    log.WriteLine($"{DateTime.UtcNow:O} refused a client of uid {peer} (this daemon serves uid {UnixPeer.EffectiveUid} only)");
                    return;
                }
                if (DaemonProtocol.ReadFrame(stream) is not var (kind, payload)) return;
                switch (kind)
                {
                    case DaemonProtocol.Run: await RunOneAsync(client, stream, DaemonProtocol.DecodeRun(payload)); break;
                    case DaemonProtocol.Status: Reply(stream, DatalypticaCli.Ok, StatusLine() + "\n"); break;
                    case DaemonProtocol.Stop:
                        Reply(stream, DatalypticaCli.Ok, $"stopped daemon pid {Environment.ProcessId} ({_runs} run(s))\n");
                        await _stop.CancelAsync();
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidDataException or ObjectDisposedException)
        {
            log.WriteLine($"{DateTime.UtcNow:O} client dropped: {e.GetType().Name}"); // no message: it could quote a request
        }
        finally
        {
            Interlocked.Exchange(ref _lastActivityTicks, Environment.TickCount64);
            Interlocked.Decrement(ref _active);
        }
    }

    public string StatusLine() =>
        $"daemon pid {Environment.ProcessId}: up {_uptime.Elapsed.TotalSeconds:0} s, {_runs} run(s), idle limit {idle.TotalSeconds:0} s, " +
        $"{_keeper.SessionsOpened} SSH session(s) opened, kept: {(_keeper.KeptHosts.Count == 0 ? "none" : string.Join(", ", _keeper.KeptHosts
            .GroupBy(h => h).Select(g => g.Count() == 1 ? g.Key : $"{g.Key} ({g.Count()})")))}"; // (2): plan and verify, whose timeouts differ

    private static void Reply(Stream stream, int code, string text)
    {
        DaemonProtocol.WriteFrame(stream, DaemonProtocol.Stdout, Encoding.UTF8.GetBytes(text));
        DaemonProtocol.WriteFrame(stream, DaemonProtocol.Exit, DaemonProtocol.ExitPayload(code));
    }

    private async Task RunOneAsync(Socket client, Stream stream, RunRequest request)
    {
        if (!DaemonEndpoint.Serves([.. request.Args]))
        {
            Reply(stream, DatalypticaCli.Failed, $"the daemon runs only {string.Join(" and ", DaemonEndpoint.ServedCommands)}\n");
            return;
        }
        await _oneRun.WaitAsync();
        try
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            // The client sends nothing after its request: a read that ends means it went away (Ctrl-C), so stop its run.
            var gone = client.ReceiveAsync(new byte[1], SocketFlags.None)
                .ContinueWith(_ => { try { cancel.Cancel(); } catch (ObjectDisposedException) { } }, TaskScheduler.Default);
            var sendLock = new object();
            using var output = new FrameWriter(stream, DaemonProtocol.Stdout, sendLock);
            using var error = new FrameWriter(stream, DaemonProtocol.Stderr, sendLock);
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = request.OutputRedirected ? AnsiSupport.No : AnsiSupport.Yes,
                ColorSystem = request.OutputRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
                Interactive = InteractionSupport.No,
                Out = new AnsiConsoleOutput(output),
            });
            // As Program does for a run of its own: piped output gets wide lines instead of 80 folded columns.
            console.Profile.Width = request.OutputRedirected ? 240 : request.Width;

            int code;
            var passwordVariable = DaemonEndpoint.SecretVariables[0];
            try
            {
                Directory.SetCurrentDirectory(request.WorkingDirectory);
                // This run's password, as the client had it; gone again when the run ends (one run at a time).
                Environment.SetEnvironmentVariable(passwordVariable, request.VaultPassword);
                code = await DatalypticaCli.RunAsync([.. request.Args], new CliIo(console, error) { Keeper = _keeper }, cancel.Token);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                error.WriteLine($"error: {e.Message}");
                code = DatalypticaCli.Failed;
            }
            finally
            {
                Environment.SetEnvironmentVariable(passwordVariable, null);
                // verify's forwards listen on 127.0.0.1, where any local user could reach them: none outlives its run.
                await _keeper.CloseForwardsAsync();
            }
            Interlocked.Increment(ref _runs);
            output.Flush();
            error.Flush();
            lock (sendLock) DaemonProtocol.WriteFrame(stream, DaemonProtocol.Exit, DaemonProtocol.ExitPayload(code));
            client.Shutdown(SocketShutdown.Both);
            await gone;
        }
        finally { _oneRun.Release(); }
    }

    public async ValueTask DisposeAsync()
    {
        await _keeper.DisposeAsync();
        _stop.Dispose();
        _oneRun.Dispose();
    }

    /// <summary>A writer whose text goes to the client as frames of one kind, a line at a time (progress shows as it happens).</summary>
    private sealed class FrameWriter(Stream stream, byte kind, object sendLock) : TextWriter
    {
        private readonly StringBuilder _pending = new();
        private bool _clientGone;

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (sendLock) _pending.Append(value);
            if (value == '\n') Flush();
        }

        public override void Write(string? value)
        {
            if (string.IsNullOrEmpty(value)) return;
            lock (sendLock) _pending.Append(value);
            if (value.Contains('\n')) Flush();
        }

        public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

        public override void Flush()
        {
            lock (sendLock)
            {
                if (_pending.Length == 0) return;
                var bytes = Encoding.UTF8.GetBytes(_pending.ToString());
                _pending.Clear();
                if (_clientGone) return;
                try { DaemonProtocol.WriteFrame(stream, kind, bytes); }
                catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException) { _clientGone = true; } // its run is being cancelled
            }
        }
    }
}

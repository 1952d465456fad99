using System.ComponentModel;
using System.Net.Sockets;
using System.Text;
using Spectre.Console;
using Spectre.Console.Cli;
using ValidationResult = Spectre.Console.ValidationResult;

namespace Datalyptica.Cli.Daemon;

public sealed class DaemonServeSettings : CommandSettings
{
    [CommandOption("--socket <PATH>")]
    [Description("Unix socket to listen on (the client picks it: one per user, build and environment).")]
    public string? Socket { get; init; }

    [CommandOption("--idle <SECONDS>")]
    [Description("Exit after this long with no run (OpenSSH's ControlPersist default, which Ansible uses, is 60 s).")]
    [DefaultValue(60.0)]
    public double Idle { get; init; } = 60;

    public override ValidationResult Validate() =>
        string.IsNullOrEmpty(Socket) ? ValidationResult.Error("--socket is required")
        : Idle is <= 0 or > 86400 ? ValidationResult.Error("--idle must be between 0 and 86400 seconds")
        : ValidationResult.Success();
}

/// <summary>`datalyptica daemon serve`: started by the first `verify` or `plan` that finds no daemon; not for people to run.</summary>
public sealed class DaemonServeCommand : AsyncCommand<DaemonServeSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, DaemonServeSettings settings, CancellationToken cancellation)
    {
        await using var server = new DaemonServer(settings.Socket!, TimeSpan.FromSeconds(settings.Idle), Console.Error);
        return await server.RunAsync();
    }
}

/// <summary>`datalyptica daemon status|stop`: the daemons of this user (one per build and environment).</summary>
internal static class DaemonControl
{
    /// <summary>Sends one request (status or stop) to every daemon socket of this user and prints the answers.</summary>
    public static int Ask(CliIo io, byte request)
    {
        var directory = DaemonEndpoint.PrivateDirectory();
        var sockets = directory is null ? [] : Directory.GetFiles(directory, "*.sock");
        if (sockets.Length == 0)
        {
            io.Out.WriteLine("no daemon is running");
            return DatalypticaCli.Ok;
        }
        foreach (var path in sockets.Order(StringComparer.Ordinal))
        {
            using var socket = DaemonClient.Connect(path);
            if (socket is null)
            {
                io.Out.WriteLine($"{path}: no daemon answers (stale socket removed)");
                continue;
            }
            using var stream = new NetworkStream(socket);
            DaemonProtocol.WriteFrame(stream, request, []);
            while (DaemonProtocol.ReadFrame(stream) is var (kind, payload) && kind != DaemonProtocol.Exit)
                io.Out.Write(Encoding.UTF8.GetString(payload));
        }
        return DatalypticaCli.Ok;
    }
}

public sealed class DaemonStatusCommand(CliIo io) : Command
{
    public override int Execute(CommandContext context, CancellationToken cancellation) =>
        DaemonControl.Ask(io, DaemonProtocol.Status);
}

public sealed class DaemonStopCommand(CliIo io) : Command
{
    public override int Execute(CommandContext context, CancellationToken cancellation) =>
        DaemonControl.Ask(io, DaemonProtocol.Stop);
}

using System.ComponentModel;
using System.Runtime.InteropServices;
using Datalyptica.Contracts;
using Datalyptica.Engine.Repository;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

public sealed class RepoServeSettings : CommandSettings
{
    [CommandArgument(0, "<DIR>")]
    [Description("Repository folder made by `datalyptica repo build`.")]
    public string Directory { get; init; } = "";

    [CommandOption("--listen <ADDR:PORT>", isRequired: true)]
    [Description("The one address to bind (the lab bridge address or 127.0.0.1) and the port; every other interface is left alone.")]
    public string Listen { get; init; } = "";
}

/// <summary>`datalyptica repo serve DIR --listen ADDR:PORT`: serves the repository over HTTP until Ctrl-C (or SIGTERM).</summary>
public sealed class RepoServeCommand(CliIo io) : Command<RepoServeSettings>
{
    public override int Execute(CommandContext context, RepoServeSettings settings, CancellationToken cancellation)
    {
        var endpoint = Endpoints.Parse(settings.Listen);
        var writer = io.Out.Profile.Out.Writer;
        var logLock = new object();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; stop.Cancel(); };
        Console.CancelKeyPress += onCancel;
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        try
        {
            var server = RepositoryServer.Start(settings.Directory, endpoint, line => { lock (logLock) writer.WriteLine(line); });
            try
            {
                lock (logLock)
                {
                    writer.WriteLine($"serving {Path.GetFullPath(settings.Directory)} at {server.BaseUrl} (only on {server.Endpoint.Address}); Ctrl-C stops");
                    writer.WriteLine($"hosts use: deb [trusted=yes] {server.BaseUrl} ./");
                }
                stop.Token.WaitHandle.WaitOne();
            }
            finally
            {
                server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            lock (logLock) writer.WriteLine("stopped");
            return ExitCodes.Ok;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}

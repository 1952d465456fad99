using System.ComponentModel;
using System.Runtime.InteropServices;
using Datalyptica.Contracts;
using Datalyptica.Engine.Repository;
using Datalyptica.Pki;
using Datalyptica.Sites;
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

    [CommandOption("--site <SITE>")]
    [Description("Sign the Release with this site's key (SITE/pki/repository-key.asc), as apply does: hosts datalyptica configured accept nothing else. Without it the Release is unsigned, for other tools (apt with trusted=yes).")]
    public string? Site { get; init; }

    [CommandOption("--vault-password-file <FILE>")]
    [Description("With --site: file with the site's vault password (or a script printing it); else the sources plan uses.")]
    public string? VaultPasswordFile { get; init; }

    [CommandOption("--ask-vault-pass")]
    [Description("With --site: ask for the vault password on the terminal (not echoed).")]
    public bool AskVaultPass { get; init; }

    public override ValidationResult Validate() =>
        Site is null && (VaultPasswordFile is not null || AskVaultPass)
            ? ValidationResult.Error("--vault-password-file and --ask-vault-pass need --site SITE")
            : ValidationResult.Success();
}

/// <summary>`datalyptica repo serve DIR --listen ADDR:PORT [--site SITE]`: serves the repository over HTTP until Ctrl-C (or SIGTERM).</summary>
public sealed class RepoServeCommand(CliIo io) : Command<RepoServeSettings>
{
    public override int Execute(CommandContext context, RepoServeSettings settings, CancellationToken cancellation)
    {
        var endpoint = Endpoints.Parse(settings.Listen);
        RepositorySigningKey? key = null;
        if (settings.Site is { } siteArgument)
        {
            var opening = SiteSession.Open(new SiteOpenOptions(siteArgument)
                { VaultPasswordFile = settings.VaultPasswordFile, AskVaultPassword = VaultPrompt.For(settings.AskVaultPass) });
            if (opening.Session is not { } session)
            {
                Cli.PrintDiagnostics(io, opening.Errors);
                io.Error.WriteLine("error: the site has errors; fix them (datalyptica validate) before serving its repository.");
                return ExitCodes.InvalidSite;
            }
            if (!session.IsFolder || session.VaultPassword is not { } password)
            {
                io.Error.WriteLine("error: the signing key lives in the site folder under its vault password. Fix: name a site folder and give its vault password.");
                return ExitCodes.Failed;
            }
            key = RepositoryKeyStore.Ensure(session.Path, session.Site, password, DateTimeOffset.UtcNow, out _);
        }
        var generated = key is null ? null : ServedRelease.Sign(settings.Directory, key, DateTime.UtcNow);

        var writer = io.Out.Profile.Out.Writer;
        var logLock = new object();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; stop.Cancel(); };
        Console.CancelKeyPress += onCancel;
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        try
        {
            var server = RepositoryServer.Start(settings.Directory, endpoint, line => { lock (logLock) writer.WriteLine(line); }, generated);
            try
            {
                lock (logLock)
                {
                    writer.WriteLine($"serving {Path.GetFullPath(settings.Directory)} at {server.BaseUrl} (only on {server.Endpoint.Address}); Ctrl-C stops");
                    writer.WriteLine(key is null
                        ? $"unsigned (no --site): only apt with trusted=yes accepts it: deb [trusted=yes] {server.BaseUrl} ./"
                        : $"Release signed with key {key.Fingerprint} ({Path.Combine(settings.Site!, SitePkiStore.Folder, RepositoryKeyStore.PublicFile)}), " +
                          $"valid until {DateTime.UtcNow + ServedRelease.Lifetime:yyyy-MM-dd HH:mm} UTC: deb [signed-by=KEYFILE] {server.BaseUrl} ./");
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

using System.ComponentModel;
using Datalyptica.Components.PostgreSQL;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Apply;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

public sealed class BackupSettings : ConnectingSiteSettings
{
    public static readonly string[] Actions = ["full", "info", "expire", "restore-test"];

    [CommandArgument(0, "<SITE>")]
    [Description(SiteDescription)]
    public override string Site { get; init; } = "";

    [CommandArgument(1, "<ACTION>")]
    [Description("full | info | expire | restore-test")]
    public string Action { get; init; } = "";

    [CommandOption("--target <TIME>")]
    [Description("restore-test: the point in time to recover to, as PostgreSQL reads it (e.g. '2026-11-26 01:02:03+00').")]
    public string? Target { get; init; }

    [CommandOption("--query <SQL>")]
    [Description("restore-test: the SQL run on the restored copy (its one value is printed).")]
    [DefaultValue("SELECT count(*) FROM pg_database")]
    public string Query { get; init; } = "SELECT count(*) FROM pg_database";

    [CommandOption("--keep")]
    [Description("restore-test: keep the scratch folder (the throw-away server is stopped either way).")]
    public bool Keep { get; init; }

    public override ValidationResult Validate() =>
        !Actions.Contains(Action) ? ValidationResult.Error($"ACTION must be one of: {string.Join(", ", Actions)} (got '{Action}').")
        : Action == "restore-test" && string.IsNullOrWhiteSpace(Target) ? ValidationResult.Error("restore-test needs --target TIME.")
        : ValidationResult.Success();
}

/// <summary>
/// `datalyptica backup SITE full|info|expire|restore-test`: pgBackRest on the Patroni leader over SSH, the stanza made
/// first (idempotent). restore-test restores into a scratch folder on the leader's host and queries a throw-away postgres.
/// </summary>
public sealed class BackupCommand(CliIo io, IHostTransportFactory? transports = null) : AsyncCommand<BackupSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, BackupSettings settings, CancellationToken cancellation)
    {
        if (Cli.OpenSite(io, settings, "a backup") is not { } session) return ExitCodes.InvalidSite;
        var site = session.Site;
        var factory = transports ?? settings.SshFactory(io.Keeper);
        var open = new Dictionary<string, IHostTransport>();
        try
        {
            var operations = new PgBackRestOperations(PgBackRestTarget.For(site), name =>
            {
                lock (open)
                    return open.TryGetValue(name, out var t) ? t : open[name] = factory.Connect(HostConnections.For(site.Hosts.Single(h => h.Name == name)));
            }, line => io.Error.WriteLine(line));
            var leader = await operations.FindLeaderAsync(cancellation);
            await operations.EnsureStanzaAsync(leader, cancellation);
            object result;
            switch (settings.Action)
            {
                case "full":
                    var took = await operations.FullBackupAsync(leader, cancellation);
                    var last = (await operations.InfoAsync(leader, cancellation)).LastOrDefault();
                    result = new { backup = last?.Label, seconds = took.TotalSeconds };
                    if (settings.Output != OutputFormat.Json) io.Out.MarkupLine($"full backup {Markup.Escape(last?.Label ?? "?")} on {Markup.Escape(leader.HostName)} in {took.TotalSeconds:0.0} s");
                    break;
                case "expire":
                    await operations.ExpireAsync(leader, cancellation);
                    var left = await operations.InfoAsync(leader, cancellation);
                    result = new { backups = left.Select(b => b.Label) };
                    if (settings.Output != OutputFormat.Json) io.Out.MarkupLine($"expired on {Markup.Escape(leader.HostName)}; {left.Count} backup(s) kept");
                    break;
                case "info":
                    var backups = await operations.InfoAsync(leader, cancellation);
                    result = new { backups = backups.Select(b => new { b.Label, b.Type, start = b.Start, stop = b.Stop }) };
                    if (settings.Output != OutputFormat.Json)
                    {
                        var table = new Table().Border(TableBorder.Rounded).AddColumns("Backup", "Type", "Start (UTC)", "Stop (UTC)");
                        foreach (var b in backups) table.AddRow(b.Label, b.Type, b.Start.UtcDateTime.ToString("u"), b.Stop.UtcDateTime.ToString("u"));
                        io.Out.Write(table);
                    }
                    break;
                default:
                    var r = await operations.RestoreTestAsync(leader, settings.Target!, settings.Query, settings.Keep, cancellation);
                    result = new { r.Host, r.ScratchDirectory, r.Port, r.Target, r.QueryResult, restoreSeconds = r.Restore.TotalSeconds, recoverySeconds = r.Recovery.TotalSeconds, kept = settings.Keep };
                    if (settings.Output != OutputFormat.Json)
                        io.Out.MarkupLine($"restored to {Markup.Escape(r.Target)} on {Markup.Escape(r.Host)} ({Markup.Escape(r.ScratchDirectory)}, port {r.Port}): " +
                            $"restore {r.Restore.TotalSeconds:0.0} s, recovery {r.Recovery.TotalSeconds:0.0} s; query -> {Markup.Escape(r.QueryResult)}");
                    break;
            }
            if (settings.Output == OutputFormat.Json)
                Cli.WriteJson(io, new { formatVersion = Cli.JsonFormatVersion, action = settings.Action, leader = leader.HostName, result });
            return ExitCodes.Ok;
        }
        finally
        {
            foreach (var t in open.Values) await t.DisposeAsync();
        }
    }
}

using System.ComponentModel;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Datalyptica.Diagnostics;
using Datalyptica.Model;
using Datalyptica.Secrets;
using Datalyptica.Sites;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

public enum OutputFormat { Human, Json }

public class OutputSettings : CommandSettings
{
    [CommandOption("-o|--output <FORMAT>")]
    [Description("human (default) or json")]
    [DefaultValue(OutputFormat.Human)]
    public OutputFormat Output { get; init; }

    [CommandOption("-v|--verbose")]
    [Description("Trace the run's steps with their times on stderr (the same as DATALYPTICA_TRACE=1).")]
    public bool Verbose { get; init; }
}

/// <summary>
/// What every verb that reads a site shares: the site and how to open its vault. Each verb declares SITE as its first
/// argument (<see cref="OptionalSiteSettings"/>: [SITE], the current folder by default; <c>&lt;SITE&gt;</c> where a
/// required argument follows it, as in drill and backup), so its help shows exactly the arguments it takes.
/// </summary>
public abstract class SiteSettings : OutputSettings
{
    public const string SiteDescription = "Site folder (hosts.yml, group_vars/, host_vars/) or an inventory file.";
    public const string OptionalSiteDescription = SiteDescription + " Default: the current folder.";

    public abstract string Site { get; init; }

    /// <summary>The site's folder: SITE itself, or the folder of an inventory file given as SITE.</summary>
    public string SiteDirectory => Directory.Exists(Site) ? Site : Path.GetDirectoryName(Path.GetFullPath(Site))!;

    [CommandOption("--vault-password-file <FILE>")]
    [Description("File with the vault password (or a script printing it). Else DATALYPTICA_VAULT_PASSWORD, ANSIBLE_VAULT_PASSWORD_FILE, vault_password_file in SITE/ansible.cfg, or SITE/.vault-password (mode 0600, never run).")]
    public string? VaultPasswordFile { get; init; }

    [CommandOption("--ask-vault-pass")]
    [Description("Ask for the vault password on the terminal (not echoed).")]
    public bool AskVaultPass { get; init; }
}

/// <summary>Verbs whose only argument is the site, which may be left out (the current folder).</summary>
public class OptionalSiteSettings : SiteSettings
{
    [CommandArgument(0, "[SITE]")]
    [Description(OptionalSiteDescription)]
    public override string Site { get; init; } = ".";
}

internal static class Cli
{
    /// <summary>Versioned machine output: consumers check formatVersion before reading anything else.</summary>
    public const int JsonFormatVersion = 1;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void WriteJson(CliIo io, object value) =>
        io.Out.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(value, Json));

    /// <summary>A long verb's progress lines, timestamped: on stdout, or on stderr in json mode so stdout holds only the document.</summary>
    public static Action<string> ProgressLog(CliIo io, OutputFormat output) => line =>
    {
        if (output == OutputFormat.Json) io.Error.WriteLine($"{DateTime.Now:HH:mm:ss} {line}");
        else io.Out.MarkupLine($"[dim]{DateTime.Now:HH:mm:ss}[/] {Markup.Escape(line)}");
    };

    /// <summary>The vault password source for a site: the option, the environment, then the site's own password file.</summary>
    public static VaultPasswordSource PasswordSource(string? passwordFile, string site) => SiteSession.PasswordSource(site, passwordFile);

    /// <summary>Reads a site as it is, without validating it (validate, render, bom, inventory list, repo build).</summary>
    public static SiteLoadResult LoadSite(SiteSettings settings) =>
        SiteSession.Load(settings.Site, settings.VaultPasswordFile, prompt: VaultPrompt.For(settings.AskVaultPass));

    /// <summary>
    /// Opens a site for a verb through the library's one door (<see cref="SiteSession.Open"/>). A site with errors is
    /// refused: its errors go to stderr, then "the site has errors; fix them (datalyptica validate) before
    /// <paramref name="doing"/>", and the caller exits <see cref="ExitCodes.InvalidSite"/>.
    /// </summary>
    /// <param name="validated">Called with the site once it is valid (plan and apply start connecting there).</param>
    /// <param name="needsSecrets">The verb uses the vault's secrets: no password refuses it up front (render passes false).</param>
    public static SiteSession? OpenSite(CliIo io, SiteSettings settings, string doing, Action<Site>? validated = null, bool needsSecrets = true)
    {
        Engine.EngineTrace.Mark("command started");
        var opening = SiteSession.Open(new SiteOpenOptions(settings.Site)
        {
            VaultPasswordFile = settings.VaultPasswordFile,
            AskVaultPassword = VaultPrompt.For(settings.AskVaultPass),
            NeedsSecrets = needsSecrets,
            Validated = validated,
            Trace = Engine.EngineTrace.Mark,
        });
        if (opening.Session is { } session) return session;
        PrintDiagnostics(io, opening.Errors);
        io.Error.WriteLine($"error: the site has errors; fix them (datalyptica validate) before {doing}.");
        return null;
    }

    /// <summary>
    /// Errors go to stderr as plain text; warnings and notes to stdout, except in json mode, where stdout holds
    /// only the JSON document and every finding goes to stderr.
    /// </summary>
    public static void PrintDiagnostics(CliIo io, IEnumerable<Diagnostic> diagnostics, OutputFormat output = OutputFormat.Human)
    {
        foreach (var d in diagnostics)
        {
            var color = d.Severity switch { Severity.Error => "red", Severity.Warning => "yellow", _ => "blue" };
            var where = d.Source is null ? "" : $"{d.Source}: ";
            var key = d.Key is null ? "" : $" [dim]({Markup.Escape(d.Key)})[/]";
            var line = $"[{color}]{d.Severity.ToString().ToLowerInvariant()}[/] [bold]{d.Code}[/] {Markup.Escape(where)}{Markup.Escape(d.Message)}{key}\n      [dim]fix:[/] {Markup.Escape(d.Fix)}";
            if (d.Severity == Severity.Error || output == OutputFormat.Json) io.Error.WriteLine(Strip(line));
            else io.Out.MarkupLine(line);
        }
    }

    // stderr gets plain text: it is usually a log or a CI console, not a terminal that renders markup.
    private static string Strip(string markup) => Markup.Remove(markup);

    public static object DiagnosticJson(Diagnostic d) => new
    {
        d.Code,
        Severity = d.Severity.ToString().ToLowerInvariant(),
        File = d.Source?.File,
        Line = d.Source is { Line: > 0 } s ? s.Line : (int?)null,
        d.Key,
        d.Message,
        d.Fix,
    };
}

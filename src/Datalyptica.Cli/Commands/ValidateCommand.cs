using Datalyptica.Components;
using Datalyptica.Diagnostics;
using Datalyptica.Validation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

/// <summary>`datalyptica validate [SITE]`: every rule, before any host is touched. Errors exit 1.</summary>
public sealed class ValidateCommand(CliIo io) : Command<OptionalSiteSettings>
{
    public override int Execute(CommandContext context, OptionalSiteSettings settings, CancellationToken cancellation)
    {
        var loaded = Cli.LoadSite(settings);
        var findings = loaded.Site is null ? loaded.Diagnostics : SiteValidator.Validate(loaded.Site, loaded.Diagnostics);
        var errors = findings.Count(d => d.Severity == Severity.Error);
        var warnings = findings.Count(d => d.Severity == Severity.Warning);
        if (settings.Output == OutputFormat.Json)
        {
            Cli.WriteJson(io, new
            {
                formatVersion = Cli.JsonFormatVersion,
                site = loaded.Site?.Name,
                hosts = loaded.Site?.Hosts.Count,
                valid = errors == 0,
                errors,
                warnings,
                findings = findings.Select(Cli.DiagnosticJson),
            });
        }
        else
        {
            Cli.PrintDiagnostics(io, findings);
            var summary = loaded.Site is null
                ? "site could not be read"
                : $"{loaded.Site.Name}: {loaded.Site.Hosts.Count} hosts, {loaded.Site.Components.Count()} components";
            var verdict = errors > 0 ? "[red]invalid[/]" : warnings > 0 ? "[yellow]valid, with warnings[/]" : "[green]valid[/]";
            io.Out.MarkupLine($"{Markup.Escape(summary)}: {verdict} ({errors} error(s), {warnings} warning(s))");
        }
        return errors > 0 ? ExitCodes.InvalidSite : ExitCodes.Ok;
    }
}

using System.ComponentModel;
using Datalyptica.Bom;
using Datalyptica.Model;
using Datalyptica.Profiles;
using Datalyptica.Reports;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

public sealed class ReportSettings : OptionalSiteSettings
{
    [CommandOption("--out <FILE>")]
    [Description("Write the page to this file (default: SITE/report.html).")]
    public string? Out { get; init; }
}

/// <summary>
/// `datalyptica report`: one self-contained HTML page with the topology, hosts and what runs where, the bill of
/// materials, and the last verify, drills, plan and apply the verbs saved (SITE/.datalyptica/last). Contacts no host.
/// </summary>
public sealed class ReportCommand(CliIo io) : Command<ReportSettings>
{
    public override int Execute(CommandContext context, ReportSettings settings, CancellationToken cancellation)
    {
        var loaded = Cli.LoadSite(settings);
        if (loaded.Site is not { } site)
        {
            Cli.PrintDiagnostics(io, loaded.Diagnostics, settings.Output);
            return ExitCodes.InvalidSite;
        }
        var profile = site.Var(SiteKeys.Profile)?.AsString() is { } p ? BuiltInProfiles.Find(p) : null;
        var html = SiteReport.Render(site, BillOfMaterials.For(site, profile: profile), settings.SiteDirectory, BuildInfo.Version, DateTimeOffset.UtcNow);
        var file = settings.Out ?? Path.Combine(settings.SiteDirectory, "report.html");
        IO.AtomicFile.Write(file, html, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        if (settings.Output == OutputFormat.Json) Cli.WriteJson(io, new { formatVersion = Cli.JsonFormatVersion, site = site.Name, report = Path.GetFullPath(file) });
        else io.Out.Profile.Out.Writer.WriteLine($"report of {site.Name} written to {file}");
        return ExitCodes.Ok;
    }
}

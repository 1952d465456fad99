using System.ComponentModel;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Rendering;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

public sealed class RenderSettings : OptionalSiteSettings
{
    [CommandOption("--out <DIR>", isRequired: true)]
    [Description("Folder to write into: OUT/<host>/<path on the host>, and OUT/<host>/MANIFEST with modes and owners.")]
    public string Out { get; init; } = "";

    // --host was the option's name when it took one host name; it stays accepted (Spectre.Console.Cli takes several
    // long names and its help shows the first).
    [CommandOption("--limit|--host <PATTERN>")]
    [Description(HostLimit.RenderDescription)]
    public string? Limit { get; init; }

    [CommandOption("--component <ID>")]
    [Description("Render only this component (os-base, etcd, patroni, kafka, ...).")]
    public string? Component { get; init; }
}

/// <summary>`datalyptica render --out DIR`: every file every host needs, for review. Refuses an invalid site.</summary>
public sealed class RenderCommand(CliIo io) : Command<RenderSettings>
{
    public override int Execute(CommandContext context, RenderSettings settings, CancellationToken cancellation)
    {
        IReadOnlySet<string>? only = null;
        // Resolved once the site is valid and before anything is written: a limit that matches nothing is a usage error.
        if (Cli.OpenSite(io, settings, "rendering", site => only = HostLimit.Resolve(settings.Limit, site), needsSecrets: false) is not { } session)
            return ExitCodes.InvalidSite;
        if (only is not null) HostLimit.Show(io, settings.Output, settings.Limit!, session.Site, only);
        // Certificates issued by plan/apply are shown as they are; keys stay placeholders (render never reads the vault).
        var site = session.IsFolder && Pki.SitePkiStore.LoadPublic(settings.Site, session.Site) is { } pki ? session.Site with { Pki = pki } : session.Site;
        var rendered = SiteRenderer.RenderHosts(site, only, settings.Component);
        var count = RenderOutput.Write(settings.Out, rendered);
        if (settings.Output == OutputFormat.Json)
            Cli.WriteJson(io, new
            {
                formatVersion = Cli.JsonFormatVersion,
                site = session.Site.Name,
                directory = settings.Out,
                hosts = rendered.Select(h => new
                {
                    host = h.Host.Name,
                    files = h.Files.Select(f => new { f.Path, f.Component, mode = Modes.Octal(f.Mode), f.Owner, f.Group, kind = f.Kind.ToString().ToLowerInvariant() }),
                }),
            });
        else
            io.Out.MarkupLine($"rendered {count} files for {rendered.Count} host(s) of {Markup.Escape(session.Site.Name)} into {Markup.Escape(settings.Out)}");
        return ExitCodes.Ok;
    }
}

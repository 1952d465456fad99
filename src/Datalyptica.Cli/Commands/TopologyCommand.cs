using System.ComponentModel;
using Datalyptica.Topology;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

public enum TopologyFormat { Svg, Dot, Mermaid }

public sealed class TopologySettings : OptionalSiteSettings
{
    [CommandOption("--format <FORMAT>")]
    [Description("svg (default: a self-contained picture), dot (Graphviz) or mermaid.")]
    [DefaultValue(TopologyFormat.Svg)]
    public TopologyFormat Format { get; init; } = TopologyFormat.Svg;

    [CommandOption("--out <FILE>")]
    [Description("Write to this file instead of stdout.")]
    public string? Out { get; init; }
}

/// <summary>`datalyptica topology`: tiers, hosts, their roles, VIPs and quorum members as a picture (no host is contacted).</summary>
public sealed class TopologyCommand(CliIo io) : Command<TopologySettings>
{
    public override int Execute(CommandContext context, TopologySettings settings, CancellationToken cancellation)
    {
        var loaded = Cli.LoadSite(settings);
        if (loaded.Site is null)
        {
            Cli.PrintDiagnostics(io, loaded.Diagnostics, settings.Output);
            return ExitCodes.InvalidSite;
        }
        var topology = SiteTopology.Of(loaded.Site);
        var text = settings.Format switch
        {
            TopologyFormat.Dot => topology.ToDot(),
            TopologyFormat.Mermaid => topology.ToMermaid(),
            _ => topology.ToSvg(),
        };
        if (settings.Out is { } file)
        {
            File.WriteAllText(file, text);
            io.Error.WriteLine($"topology of {loaded.Site.Name} ({settings.Format.ToString().ToLowerInvariant()}) written to {file}");
        }
        else io.Out.Profile.Out.Writer.Write(text);
        return ExitCodes.Ok;
    }
}

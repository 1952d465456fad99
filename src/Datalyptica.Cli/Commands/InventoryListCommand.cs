using Datalyptica.Model;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

/// <summary>`datalyptica inventory list [SITE]`: hosts with tier, address, size and role groups.</summary>
public sealed class InventoryListCommand(CliIo io) : Command<OptionalSiteSettings>
{
    public override int Execute(CommandContext context, OptionalSiteSettings settings, CancellationToken cancellation)
    {
        var loaded = Cli.LoadSite(settings);
        if (loaded.Site is not { } site)
        {
            Cli.PrintDiagnostics(io, loaded.Diagnostics, settings.Output);
            return ExitCodes.InvalidSite;
        }
        var hosts = site.Hosts.Select(h => new
        {
            h.Name,
            Address = h.Address.ToString(),
            Tier = h.Tier.GroupName(),
            h.VCpu,
            h.RamGb,
            h.DiskGb,
            h.Rack,
            Roles = h.RoleGroups,
        }).ToList();
        if (settings.Output == OutputFormat.Json)
        {
            Cli.WriteJson(io, new { formatVersion = Cli.JsonFormatVersion, site = site.Name, hosts });
            return ExitCodes.Ok;
        }
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(site.Name))
            .AddColumns("Host", "Address", "Tier", "vCPU", "RAM (GB)", "Disk (GB)", "Rack", "Roles");
        foreach (var h in hosts)
            table.AddRow(h.Name, h.Address, h.Tier, h.VCpu.ToString(), h.RamGb.ToString(), h.DiskGb.ToString(), h.Rack ?? "", string.Join(", ", h.Roles));
        io.Out.Write(table);
        return ExitCodes.Ok;
    }
}

using Datalyptica.Profiles;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

/// <summary>`datalyptica profiles`: the built-in profiles with their sizes.</summary>
public sealed class ProfilesCommand(CliIo io) : Command<OutputSettings>
{
    public override int Execute(CommandContext context, OutputSettings settings, CancellationToken cancellation)
    {
        var rows = BuiltInProfiles.All.Select(p => new
        {
            p.Name,
            p.Environment,
            Role = p.Role.ToString().ToLowerInvariant(),
            Vms = p.Pools.Sum(x => x.Count),
            VCpu = p.Pools.Sum(x => x.Count * x.VCpu),
            RamGb = p.Pools.Sum(x => x.Count * x.RamGb),
            p.Description,
        }).ToList();
        if (settings.Output == OutputFormat.Json)
        {
            Cli.WriteJson(io, new { formatVersion = Cli.JsonFormatVersion, profiles = rows });
            return ExitCodes.Ok;
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumns("Profile", "Role", "VMs", "vCPU", "RAM (GB)", "Description");
        foreach (var r in rows)
            table.AddRow(r.Name, r.Role, r.Vms.ToString(), r.VCpu.ToString(), r.RamGb.ToString("#,0"), Markup.Escape(r.Description));
        io.Out.Write(table);
        return ExitCodes.Ok;
    }
}

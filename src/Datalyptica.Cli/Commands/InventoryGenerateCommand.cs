using System.ComponentModel;
using System.Net;
using Datalyptica.Diagnostics;
using Datalyptica.Model;
using Datalyptica.Profiles;
using Datalyptica.Sites;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

public sealed class InventoryGenerateSettings : NewSiteSettings
{
    [CommandOption("--ips <FILE>", isRequired: true)]
    [Description("One IPv4 address per line (# comments allowed), given to the profile's hosts in order.")]
    public string Ips { get; init; } = "";

    [CommandOption("--vip <ADDRESS/PREFIX>")]
    [Description("A load-balancer VIP with its subnet prefix, e.g. 10.1.0.100/24. Repeat for active-active (two VIPs).")]
    public string[] Vips { get; init; } = [];
}

/// <summary>`datalyptica inventory generate`: the seed's generate-inventory.sh, with every problem of the list reported at once.</summary>
public sealed class InventoryGenerateCommand(CliIo io) : Command<InventoryGenerateSettings>
{
    public override int Execute(CommandContext context, InventoryGenerateSettings settings, CancellationToken cancellation)
    {
        var profile = settings.ResolveProfile();
        var planned = ProfileExpander.Expand(profile, settings.Name, settings.Hosts);
        var list = IpListFile.Read(settings.Ips);
        var findings = list.Diagnostics.ToList();
        var file = Path.GetFileName(settings.Ips);
        if (list.Addresses.Count < planned.Hosts.Count)
            findings.Add(new Diagnostic(FindingCodes.TooFewAddresses,
                $"{list.Addresses.Count} usable address(es) for the {planned.Hosts.Count} hosts of profile '{profile.Name}'.",
                $"add {planned.Hosts.Count - list.Addresses.Count} more address(es) to {file}" +
                (settings.Hosts is null ? "." : ", or ask for fewer --hosts."), new SourceRef(file)));
        else if (list.Addresses.Count > planned.Hosts.Count)
            findings.Add(new Diagnostic(FindingCodes.UnusedAddresses,
                $"{list.Addresses.Count - planned.Hosts.Count} address(es) at the end of {file} are not used.",
                $"remove them, or use --hosts {list.Addresses.Count} to grow the worker pools.", new SourceRef(file)));

        var vips = ParseVips(settings.Vips, findings);
        if (planned.Vips.Count > 0 && settings.Vips.Length == 0)
            findings.Add(new Diagnostic(FindingCodes.VipOptionMissing, $"profile '{profile.Name}' has load balancers but no --vip was given.",
                "add --vip ADDRESS/PREFIX (twice for active-active), an unused address in the load balancers' subnet."));
        if (findings.Any(d => d.Severity == Severity.Error))
        {
            Cli.PrintDiagnostics(io, findings, settings.Output);
            return ExitCodes.Failed;
        }
        Cli.PrintDiagnostics(io, findings, settings.Output);
        var hosts = planned.Hosts.Select((h, i) => h with { Address = list.Addresses[i] }).ToList();
        // init's SSH sources are its own example block; the operator's addresses are theirs, so validate asks for them (DL505).
        var vars = planned.Vars.Where(v => v.Key != Components.OsBaseLayer.FirewallPolicy.SshSourcesKey).ToDictionary();
        var site = planned with { Hosts = hosts, Vips = vips, Vars = vars };
        return SiteCreation.Write(io, settings, site, profile);
    }

    private static List<Vip> ParseVips(string[] values, List<Diagnostic> findings)
    {
        var vips = new List<Vip>();
        for (var i = 0; i < values.Length; i++)
        {
            var parts = values[i].Split('/');
            if (parts.Length == 2 && IPAddress.TryParse(parts[0], out var address) && int.TryParse(parts[1], out var prefix))
                vips.Add(new Vip($"frontend-{(char)('a' + i)}", address, prefix, 51 + i, "keepalived"));
            else
                findings.Add(new Diagnostic(FindingCodes.VipOptionMalformed, $"--vip '{values[i]}' is not ADDRESS/PREFIX.",
                    "write it like 10.1.0.100/24."));
        }
        return vips;
    }
}

using System.ComponentModel;
using System.Globalization;
using Datalyptica.Bom;
using Profile = Datalyptica.Profiles.Profile;
using Datalyptica.Model;
using Datalyptica.Profiles;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

public sealed class BomSettings : OptionalSiteSettings
{
    [CommandOption("-p|--profile <PROFILE>")]
    [Description("Size a built-in profile instead of a site folder.")]
    public string? Profile { get; init; }

    [CommandOption("--rates <FILE>")]
    [Description("YAML rates file (currency, vcpu_month, ram_gb_month, ssd_tb_month, object_storage_tb_month) for a monthly cost.")]
    public string? Rates { get; init; }
}

/// <summary>`datalyptica bom`: VMs, vCPU, RAM, SSD per tier and in total, object storage, cost, and a check against the reference design.</summary>
public sealed class BomCommand(CliIo io) : Command<BomSettings>
{
    public override int Execute(CommandContext context, BomSettings settings, CancellationToken cancellation)
    {
        Site site;
        Profile? profile = null;
        if (settings.Profile is { } name)
        {
            profile = BuiltInProfiles.Find(name) ?? throw new ArgumentException(
                $"unknown profile '{name}'. Fix: use one of {string.Join(", ", BuiltInProfiles.Names)}.");
            site = ProfileExpander.Expand(profile, kafkaClusterId: "not-needed-for-sizing1");
        }
        else
        {
            var loaded = Cli.LoadSite(settings);
            if (loaded.Site is null)
            {
                Cli.PrintDiagnostics(io, loaded.Diagnostics, settings.Output);
                return ExitCodes.InvalidSite;
            }
            site = loaded.Site;
            // A site made by init records its profile, so it can be compared with the reference design too.
            profile = site.Var(SiteKeys.Profile)?.AsString() is { } p ? BuiltInProfiles.Find(p) : null;
        }
        var rates = settings.Rates is null ? null : RatesFile.Read(settings.Rates);
        var bom = BillOfMaterials.For(site, rates, profile);
        if (settings.Output == OutputFormat.Json)
            Cli.WriteJson(io, new { formatVersion = Cli.JsonFormatVersion, bom });
        else
            Print(bom);
        return ExitCodes.Ok;
    }

    private void Print(BillOfMaterials bom)
    {
        var table = new Table().Title($"{bom.Site} ({bom.Environment})").Border(TableBorder.Rounded);
        table.AddColumns("Tier", "VMs", "vCPU", "RAM (GB)", "Local SSD (TB)");
        if (bom.Currency is not null) table.AddColumn($"Monthly ({bom.Currency})");
        string Tb(double tb) => tb.ToString("0.##", CultureInfo.InvariantCulture);
        string Money(decimal? m) => m?.ToString("#,0", CultureInfo.InvariantCulture) ?? "";
        foreach (var line in bom.Tiers.Append(bom.Total))
        {
            var cells = new List<string> { line.Tier, line.Vms.ToString(), line.VCpu.ToString(), line.RamGb.ToString("#,0"), Tb(line.StorageTb) };
            if (bom.Currency is not null) cells.Add(Money(line.MonthlyCost));
            if (line == bom.Total) cells = cells.Select(c => $"[bold]{c}[/]").ToList();
            table.AddRow(cells.ToArray());
        }
        table.Columns[1].RightAligned(); table.Columns[2].RightAligned(); table.Columns[3].RightAligned(); table.Columns[4].RightAligned();
        io.Out.Write(table);
        var objectCost = bom.ObjectStorageMonthlyCost is { } oc ? $" ({Money(oc)} {bom.Currency}/month, included in the total)" : "";
        io.Out.MarkupLine($"Object storage (external S3-compatible): [bold]{bom.ObjectStorageTb} TB[/]{objectCost}");
        if (bom.Reference is { } reference)
        {
            io.Out.MarkupLine(reference.Matches
                ? $"[green]matches the reference design[/] ({Markup.Escape(reference.Source)})"
                : $"[yellow]differs from the reference design[/] ({Markup.Escape(reference.Source)}): {Markup.Escape(string.Join("; ", reference.Differences))}");
            if (reference.Discrepancy is not null) io.Out.MarkupLine($"[dim]note: {Markup.Escape(reference.Discrepancy)}[/]");
        }
    }
}

using System.Globalization;
using Datalyptica.Model;
using Datalyptica.Profiles;

namespace Datalyptica.Bom;

/// <summary>What one tier (or the whole site) needs. Storage is local disk in TB (1 TB = 1000 GB).</summary>
public sealed record BomLine(string Tier, int Vms, int VCpu, int RamGb, double StorageTb)
{
    public decimal? MonthlyCost { get; init; }
}

/// <summary>A comparison of the site's totals with what the reference design states for the same environment.</summary>
public sealed record ReferenceCheck(string Source, bool Matches, IReadOnlyList<string> Differences, string? Discrepancy);

/// <summary>Infrastructure requirements of a site per tier and in total, with optional cost and a check against the reference design.</summary>
public sealed record BillOfMaterials(
    string Site,
    string Environment,
    IReadOnlyList<BomLine> Tiers,
    BomLine Total,
    int ObjectStorageTb,
    ReferenceCheck? Reference,
    string? Currency)
{
    public decimal? ObjectStorageMonthlyCost { get; init; }

    public static BillOfMaterials For(Site site, Rates? rates = null, Profile? profile = null)
    {
        var lines = Model.Tiers.All
            .Select(t => (Tier: t, Hosts: site.Hosts.Where(h => h.Tier == t).ToList()))
            .Where(x => x.Hosts.Count > 0)
            .Select(x => Line(x.Tier.DisplayName(), x.Hosts, rates))
            .ToList();
        var total = Line("Total", site.Hosts, rates);
        var objectCost = rates?.ObjectStoragePerTbMonth * site.ObjectStorageTb;
        if (total.MonthlyCost is { } c && objectCost is { } o) total = total with { MonthlyCost = c + o };
        return new BillOfMaterials(site.Name, site.Environment, lines, total, site.ObjectStorageTb,
            profile?.Reference is { } reference ? Compare(reference, lines, total) : null, rates?.Currency)
        {
            ObjectStorageMonthlyCost = objectCost,
        };
    }

    private static BomLine Line(string name, IReadOnlyCollection<Host> hosts, Rates? rates)
    {
        var line = new BomLine(name, hosts.Count, hosts.Sum(h => h.VCpu), hosts.Sum(h => h.RamGb),
            Math.Round(hosts.Sum(h => h.DiskGb) / 1000.0, 2));
        return rates is null ? line : line with
        {
            MonthlyCost = line.VCpu * rates.VCpuMonth + line.RamGb * rates.RamGbMonth + (decimal)line.StorageTb * rates.SsdTbMonth,
        };
    }

    private static ReferenceCheck Compare(ReferenceFigures reference, IReadOnlyList<BomLine> tiers, BomLine total)
    {
        var differences = new List<string>();
        void Check(string what, string ours, string theirs)
        {
            if (ours != theirs) differences.Add($"{what}: site {ours}, reference design {theirs}");
        }
        Check("VMs", total.Vms.ToString(CultureInfo.InvariantCulture), reference.Vms.ToString(CultureInfo.InvariantCulture));
        Check("vCPU", total.VCpu.ToString(CultureInfo.InvariantCulture), reference.VCpu.ToString(CultureInfo.InvariantCulture));
        Check("RAM", FormatLike(reference.Ram, total.RamGb), reference.Ram);
        Check("local storage TB", total.StorageTb.ToString("0.##", CultureInfo.InvariantCulture), reference.StorageTb.ToString("0.##", CultureInfo.InvariantCulture));
        foreach (var (tier, vms) in reference.TierVms ?? new Dictionary<Tier, int>())
            Check($"{tier.DisplayName()} VMs", (tiers.FirstOrDefault(l => l.Tier == tier.DisplayName())?.Vms ?? 0).ToString(CultureInfo.InvariantCulture),
                vms.ToString(CultureInfo.InvariantCulture));
        return new ReferenceCheck(reference.Source, differences.Count == 0, differences, reference.Discrepancy);
    }

    /// <summary>Writes our RAM in the unit and precision the reference design used ("1.2 TB", "480 GB", "3,656 GB"), so equal means equal as stated.</summary>
    public static string FormatLike(string stated, int ramGb)
    {
        var parts = stated.Split(' ');
        var number = parts[0];
        var decimals = number.Contains('.') ? number.Length - number.IndexOf('.') - 1 : 0;
        var format = (number.Contains(',') ? "#,0" : "0") + (decimals > 0 ? "." + new string('0', decimals) : "");
        double value = parts[1] == "TB" ? ramGb / 1024.0 : ramGb;
        return value.ToString(format, CultureInfo.InvariantCulture) + " " + parts[1];
    }
}

/// <summary>Monthly prices for a cost estimate, read from a YAML rates file (see docs/BOM.md).</summary>
public sealed record Rates(string Currency, decimal VCpuMonth, decimal RamGbMonth, decimal SsdTbMonth, decimal ObjectStoragePerTbMonth);

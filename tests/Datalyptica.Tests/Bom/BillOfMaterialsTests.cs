using Datalyptica.Bom;
using Datalyptica.Model;
using Datalyptica.Profiles;
using Datalyptica.Tests.Inventory;

namespace Datalyptica.Tests.Bom;

public class BillOfMaterialsTests
{
    private static BillOfMaterials BomOf(Profile profile, Rates? rates = null) =>
        BillOfMaterials.For(ProfileExpander.Expand(profile), rates, profile);

    public static TheoryData<string, int, int, int, double> Totals => new()
    {
        { "development", 15, 120, 480, 10 },
        { "staging", 30, 320, 1264, 30 },
        { "production", 66, 920, 3656, 63.25 },
        { "dr", 66, 920, 3656, 63.25 },
    };

    [Theory]
    [MemberData(nameof(Totals))]
    public void Every_profiles_totals_add_up_and_development_and_staging_match_the_reference_design(string name, int vms, int vcpu, int ramGb, double storageTb)
    {
        var bom = BomOf(BuiltInProfiles.Find(name)!);
        bom.Total.ShouldBe(new BomLine("Total", vms, vcpu, ramGb, storageTb));
        var reference = bom.Reference.ShouldNotBeNull();
        if (name is "development" or "staging")
        {
            reference.Differences.ShouldBeEmpty();
            reference.Matches.ShouldBeTrue();
        }
        else
        {
            // Production places the reference design's tier table (66 VMs), not its headline (50): every tier's VM count
            // matches, the totals differ, and bom says why.
            reference.Differences.ShouldBe(["VMs: site 66, reference design 50", "vCPU: site 920, reference design 640",
                "RAM: site 3.6 TB, reference design 2.5 TB", "local storage TB: site 63.25, reference design 63"]);
            reference.Discrepancy.ShouldNotBeNull().ShouldContain("this project's own sizing");
        }
        bom.Tiers.Sum(t => t.Vms).ShouldBe(vms);
        bom.Tiers.Sum(t => t.VCpu).ShouldBe(vcpu);
        bom.Tiers.Sum(t => t.RamGb).ShouldBe(ramGb);
        bom.Currency.ShouldBeNull();
        bom.Total.MonthlyCost.ShouldBeNull();
    }

    [Fact]
    public void The_reference_figures_are_as_the_reference_design_states()
    {
        (BuiltInProfiles.Development.Reference!.Vms, BuiltInProfiles.Development.Reference.VCpu, BuiltInProfiles.Development.Reference.Ram, BuiltInProfiles.Development.Reference.StorageTb)
            .ShouldBe((15, 120, "480 GB", 10.0));
        (BuiltInProfiles.Staging.Reference!.Vms, BuiltInProfiles.Staging.Reference.VCpu, BuiltInProfiles.Staging.Reference.Ram, BuiltInProfiles.Staging.Reference.StorageTb)
            .ShouldBe((30, 320, "1.2 TB", 30.0));
        (BuiltInProfiles.Production.Reference!.Vms, BuiltInProfiles.Production.Reference.VCpu, BuiltInProfiles.Production.Reference.Ram, BuiltInProfiles.Production.Reference.StorageTb)
            .ShouldBe((50, 640, "2.5 TB", 63.0));
        BuiltInProfiles.Production.Reference.TierVms.ShouldNotBeNull().Values.Sum().ShouldBe(66);
        BuiltInProfiles.Dr.Reference.ShouldBeSameAs(BuiltInProfiles.Production.Reference);
    }

    public static TheoryData<string, int, int, int, double> ProductionTiers => new()
    {
        { "Load Balancer", 3, 12, 24, 0.15 },
        { "Catalog", 6, 80, 320, 6.5 },
        { "Coordination", 3, 12, 48, 0.3 },
        { "Streaming", 11, 148, 592, 25.3 },
        { "Processing", 12, 272, 1088, 8.4 },
        { "Query", 9, 208, 832, 8.9 },
        { "Analytics", 7, 80, 320, 2.8 },
        { "Monitoring", 9, 68, 272, 10.3 },
        { "IAM", 6, 40, 160, 0.6 },
    };

    [Theory]
    [MemberData(nameof(ProductionTiers))]
    public void Production_tiers_are_this_projects_sizing_on_the_reference_tier_table(string tier, int vms, int vcpu, int ramGb, double storageTb)
    {
        foreach (var profile in new[] { BuiltInProfiles.Production, BuiltInProfiles.Dr })
            BomOf(profile).Tiers.Single(t => t.Tier == tier).ShouldBe(new BomLine(tier, vms, vcpu, ramGb, storageTb), profile.Name);
    }

    [Fact]
    public void Production_tiers_are_in_install_order_and_sum_to_the_total()
    {
        var bom = BomOf(BuiltInProfiles.Production);
        bom.Tiers.Select(t => t.Vms).ShouldBe([3, 6, 3, 11, 12, 9, 7, 9, 6]);
        bom.Tiers.Sum(t => t.StorageTb).ShouldBe(63.25, 1e-9);
        bom.ObjectStorageTb.ShouldBe(100);
    }

    [Fact]
    public void A_site_that_differs_from_the_reference_tier_table_says_where()
    {
        var site = ProfileExpander.Expand(BuiltInProfiles.Production, hostCount: 67); // one more Kafka broker
        var reference = BillOfMaterials.For(site, null, BuiltInProfiles.Production).Reference.ShouldNotBeNull();
        reference.Matches.ShouldBeFalse();
        reference.Differences.ShouldContain("VMs: site 67, reference design 50");
        reference.Differences.ShouldContain("Streaming VMs: site 12, reference design 11");
        reference.Differences.ShouldNotContain(d => d.StartsWith("Query", StringComparison.Ordinal));
        reference.Discrepancy.ShouldNotBeNull();
    }

    [Fact]
    public void Without_a_profile_there_is_no_reference_check() =>
        BillOfMaterials.For(ProfileExpander.Expand(BuiltInProfiles.Development)).Reference.ShouldBeNull();

    [Theory]
    [InlineData("480 GB", 480, "480 GB")]
    [InlineData("3,656 GB", 3656, "3,656 GB")]
    [InlineData("3,656 GB", 920, "920 GB")]
    [InlineData("1.2 TB", 1264, "1.2 TB")]   // staging: 1264 GB = 1.23 TiB, stated to one decimal
    [InlineData("1.2 TB", 1331, "1.3 TB")]
    [InlineData("2.5 TB", 2560, "2.5 TB")]
    [InlineData("2 TB", 2048, "2 TB")]
    public void FormatLike_uses_the_references_unit_and_precision(string stated, int ramGb, string expected) =>
        BillOfMaterials.FormatLike(stated, ramGb).ShouldBe(expected);

    private static readonly Rates SomeRates = new("EUR", VCpuMonth: 10m, RamGbMonth: 2.5m, SsdTbMonth: 40m, ObjectStoragePerTbMonth: 20m);

    [Fact]
    public void Cost_is_vcpu_ram_ssd_and_object_storage_at_their_rates()
    {
        var bom = BomOf(BuiltInProfiles.Development, SomeRates);
        bom.Currency.ShouldBe("EUR");
        // 120 vCPU × 10 + 480 GB × 2.5 + 10 TB SSD × 40, plus 10 TB object storage × 20.
        bom.ObjectStorageMonthlyCost.ShouldBe(200m);
        bom.Total.MonthlyCost.ShouldBe(120 * 10m + 480 * 2.5m + 10 * 40m + 10 * 20m);
        foreach (var line in bom.Tiers)
            line.MonthlyCost.ShouldBe(line.VCpu * 10m + line.RamGb * 2.5m + (decimal)line.StorageTb * 40m, line.Tier);
        // The tier lines carry host costs only; object storage is added once, to the total.
        bom.Tiers.Sum(t => t.MonthlyCost!.Value).ShouldBe(bom.Total.MonthlyCost!.Value - 200m);
    }

    [Fact]
    public void Production_cost_from_a_rates_file()
    {
        using var dir = new TempDir();
        var path = dir.Write("rates.yml", "currency: USD\nvcpu_month: 12.5\nram_gb_month: 3\nssd_tb_month: 80\nobject_storage_tb_month: 21\n");
        var rates = RatesFile.Read(path);
        rates.ShouldBe(new Rates("USD", 12.5m, 3m, 80m, 21m));
        BomOf(BuiltInProfiles.Production, rates).Total.MonthlyCost.ShouldBe(920 * 12.5m + 3656 * 3m + 63.25m * 80m + 100 * 21m);
    }

    [Fact]
    public void A_rates_file_without_currency_is_in_usd()
    {
        using var dir = new TempDir();
        var path = dir.Write("rates.yml", "vcpu_month: 1\nram_gb_month: 1\nssd_tb_month: 1\nobject_storage_tb_month: 1\n");
        RatesFile.Read(path).Currency.ShouldBe("USD");
    }

    public static TheoryData<string, int?, string, string> RatesErrors => new()
    {
        // file content, line named (null: the file as a whole), text the message must contain, the fix
        { "currency: EUR\nvcpu_month: 10\nram_gb_monthly: 2\nssd_tb_month: 40\nobject_storage_tb_month: 20\n", 3, "unknown key 'ram_gb_monthly'", "Fix: use only" },
        { "currency: EUR\nvcpu_month: 10\nram_gb_month: cheap\nssd_tb_month: 40\nobject_storage_tb_month: 20\n", 3, "'ram_gb_month: cheap' is not a non-negative number", "Fix: write a price" },
        { "currency: EUR\nvcpu_month: 10\nram_gb_month: 2\nssd_tb_month: -40\nobject_storage_tb_month: 20\n", 4, "'ssd_tb_month: -40'", "Fix: write a price" },
        { "currency: EUR\nvcpu_month: 10\nram_gb_month: 2\nobject_storage_tb_month: 20\n", null, "missing key 'ssd_tb_month'", "Fix: add 'ssd_tb_month:" },
        { "currency: EUR\nvcpu_month: 10: 5\n", 2, "not valid YAML", "Fix:" },
        { "currency: EUR\nvcpu_month: [10\nram_gb_month: 2\n", null, "not valid YAML", "Fix:" }, // YamlDotNet gives no position here
        { "- 10\n- 20\n", null, "expected a mapping", "vcpu_month" },
    };

    [Theory]
    [MemberData(nameof(RatesErrors))]
    public void Rates_file_errors_name_file_line_and_key(string content, int? line, string what, string fix)
    {
        using var dir = new TempDir();
        var path = dir.Write("rates.yml", content);
        var e = Should.Throw<FormatException>(() => RatesFile.Read(path));
        e.Message.ShouldStartWith(line is null ? $"{path}: " : $"{path}:{line}: ");
        e.Message.ShouldContain(what);
        e.Message.ShouldContain(fix);
    }
}

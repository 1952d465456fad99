using Datalyptica.Components.Flink;
using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Inventory;
using Datalyptica.Profiles;
using Datalyptica.Secrets;
using Datalyptica.Validation;

namespace Datalyptica.Tests.Sites;

/// <summary>profile → SiteWriter.Write → SiteLoader.Load gives back the same site.</summary>
public class SiteRoundTripTests
{
    public static TheoryData<string> Names => new(BuiltInProfiles.Names);

    [Theory]
    [MemberData(nameof(Names))]
    public void Loading_what_was_written_gives_the_same_site(string name)
    {
        using var dir = SiteDir.Of(BuiltInProfiles.Find(name));
        var expected = dir.Site;
        var loaded = dir.Load();
        loaded.Diagnostics.ShouldBeEmpty(string.Join("\n", loaded.Diagnostics));
        var site = loaded.Site.ShouldNotBeNull();

        (site.Name, site.Environment, site.Role, site.Domain, site.ObjectStorageTb)
            .ShouldBe((expected.Name, expected.Environment, expected.Role, expected.Domain, expected.ObjectStorageTb));

        site.Hosts.Select(h => h.Name).ShouldBe(expected.Hosts.Select(h => h.Name));
        foreach (var (ours, theirs) in site.Hosts.Zip(expected.Hosts))
        {
            ours.Address.ShouldBe(theirs.Address, ours.Name);
            ours.Tier.ShouldBe(theirs.Tier, ours.Name);
            (ours.VCpu, ours.RamGb, ours.Rack).ShouldBe((theirs.VCpu, theirs.RamGb, theirs.Rack), ours.Name);
            ours.Disks.ShouldBe(theirs.Disks, ours.Name);
            ours.RoleGroups.Order().ShouldBe(theirs.RoleGroups.Order(), ours.Name);
            ours.Source.ShouldNotBeNull().File.ShouldBe("hosts.yml");
        }

        site.Vips.Select(v => (v.Name, v.Address, v.PrefixLength, v.RouterId, v.Group))
            .ShouldBe(expected.Vips.Select(v => (v.Name, v.Address, v.PrefixLength, v.RouterId, v.Group)));

        var store = site.ObjectStore.ShouldNotBeNull();
        var expectedStore = expected.ObjectStore.ShouldNotBeNull();
        (store.Endpoint, store.Region, store.PathStyle, store.AccessKey, store.SecretKey)
            .ShouldBe((expectedStore.Endpoint, expectedStore.Region, expectedStore.PathStyle, expectedStore.AccessKey, expectedStore.SecretKey));
        store.Buckets.OrderBy(b => b.Key).ShouldBe(expectedStore.Buckets.OrderBy(b => b.Key));

        site.Versions.OrderBy(v => v.Key).ShouldBe(expected.Versions.OrderBy(v => v.Key));

        foreach (var (key, setting) in expected.Vars)
            Text(site.Var(key).ShouldNotBeNull(key)).ShouldBe(Text(setting), key);
        foreach (var (group, vars) in expected.GroupVars)
        foreach (var (key, setting) in vars)
        {
            Text(site.GroupVars[group][key]).ShouldBe(Text(setting), $"{group}.{key}");
            site.GroupVars[group][key].Source.ShouldNotBeNull().File.ShouldBe($"group_vars/{group}.yml");
        }
    }

    [Fact]
    public void Development_port_moves_reach_the_processing_hosts()
    {
        using var dir = SiteDir.Of(BuiltInProfiles.Development);
        var site = dir.Load().Site.ShouldNotBeNull();
        var processing = site.Hosts.Where(h => h.Tier == Datalyptica.Model.Tier.Processing).ToList();
        processing.Count.ShouldBe(3);
        foreach (var host in processing)
        {
            host.Port(FlinkComponent.Rest).ShouldBe(8082, host.Name);
            var setting = host.Vars["flink_rest_port"];
            setting.Source.ShouldNotBeNull().File.ShouldBe("group_vars/processing.yml");
            dir.LineAt(setting.Source).ShouldBe("flink_rest_port: 8082");
        }
        site.Hosts.Where(h => h.Tier != Datalyptica.Model.Tier.Processing).ShouldAllBe(h => !h.Vars.ContainsKey("flink_rest_port"));
    }

    [Fact]
    public void Writing_twice_gives_identical_bytes_apart_from_the_salted_vault_ciphertext()
    {
        using var first = SiteDir.Of(BuiltInProfiles.Staging);
        using var second = SiteDir.Write(first.Site, first.Secrets, "staging");
        var files = Files(first.Path);
        files.ShouldBe(Files(second.Path));
        files.ShouldContain("group_vars/all.yml");
        foreach (var file in files)
            WithoutVault(first.Lines(file)).ShouldBe(WithoutVault(second.Lines(file)), file);
        // The ciphertext itself differs (random salt) while the values are the same.
        first.Lines("group_vars/all.yml").ShouldNotBe(second.Lines("group_vars/all.yml"));
        VaultedValues(first.Path).Keys.ShouldBe(VaultedValues(second.Path).Keys);
    }

    [Fact]
    public void Without_secrets_the_output_is_byte_identical()
    {
        using var first = SiteDir.Write(ProfileExpander.Expand(BuiltInProfiles.Development), new Dictionary<string, Secret>());
        using var second = SiteDir.Write(first.Site, new Dictionary<string, Secret>());
        foreach (var file in Files(first.Path))
            File.ReadAllBytes(first.Full(file)).ShouldBe(File.ReadAllBytes(second.Full(file)), file);
    }

    [Fact]
    public void Secrets_are_inline_vault_values_that_decrypt_to_the_generated_values_and_never_appear_in_plain_text()
    {
        using var dir = SiteDir.Of(BuiltInProfiles.Production);
        var vaulted = VaultedValues(dir.Path);
        vaulted.Keys.Order(StringComparer.Ordinal).ShouldBe(SecretRule.RequiredSecrets(dir.Site));
        dir.Secrets.Keys.Order(StringComparer.Ordinal).ShouldBe(vaulted.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, ciphertext) in vaulted)
        {
            AnsibleVault.IsVaultText(ciphertext).ShouldBeTrue(name);
            AnsibleVault.Decrypt(ciphertext, SiteDir.Password).ShouldBe(dir.Secrets[name].Reveal(), name);
            Should.Throw<VaultException>(() => AnsibleVault.Decrypt(ciphertext, new Secret("wrong")));
        }
        foreach (var file in Files(dir.Path))
        {
            var text = File.ReadAllText(dir.Full(file));
            foreach (var (name, value) in dir.Secrets)
                text.ShouldNotContain(value.Reveal(), Case.Sensitive, $"{name} in plain text in {file}");
        }

        var site = dir.Load().Site.ShouldNotBeNull();
        foreach (var name in vaulted.Keys)
        {
            var secret = site.Secrets[name];
            secret.Encrypted.ShouldBeTrue(name);
            secret.Source.ShouldNotBeNull().File.ShouldBe("group_vars/all.yml");
            dir.LineAt(secret.Source).ShouldStartWith($"{name}: !vault");
        }
        // The loaded settings carry a mask, not the ciphertext or value.
        site.Var("vault_redis_password").ShouldNotBeNull().AsString().ShouldBe("***");
    }

    public static TheoryData<string, string, string, string, string?> LoaderErrors => new()
    {
        // case, code, file, text on the line, key
        { "host in no tier", "DL531", "hosts.yml", "orphan01:", null },
        { "host in two tiers", "DL532", "hosts.yml", "lb01:", null },
        { "ansible_host not an address", "DL530", "host_vars/db01.yml", "ansible_host: 10.40.10.311", "ansible_host" },
        { "ansible_host with three octets", "DL530", "host_vars/db01.yml", "ansible_host: 10.40.10", "ansible_host" },
        { "VIP without prefix", "DL536", "group_vars/all.yml", "- address: 10.40.1.100", "datalyptica_vips" },
        { "VIP with three octets", "DL536", "group_vars/all.yml", "- address: 10.40.1/24", "datalyptica_vips" },
        { "literal object store credential", "DL538", "group_vars/all.yml", "access_key: AKIAIOSFODNN7EXAMPLE", "datalyptica_object_store.access_key" },
        { "disk without size", "DL535", "host_vars/db01.yml", "- kind: ssd", "datalyptica_disks" }, // the disk entry's first line
        { "ram not a number", "DL534", "host_vars/db01.yml", "datalyptica_ram_gb: 32GB", "datalyptica_ram_gb" },
        { "unknown site role", "DL533", "group_vars/all.yml", "datalyptica_site_role: secondary", "datalyptica_site_role" },
    };

    [Theory]
    [MemberData(nameof(LoaderErrors))]
    public void Loader_errors_name_file_line_key_and_fix(string edit, string code, string file, string lineText, string? key)
    {
        using var dir = SiteDir.Of(BuiltInProfiles.Development);
        switch (edit)
        {
            case "host in no tier": dir.AddHostToGroup("etcd", "orphan01").AddHostVars("orphan01", "10.40.10.99"); break;
            case "host in two tiers": dir.AddHostToGroup("catalog", "lb01"); break;
            case "ansible_host not an address": dir.Replace(file, "ansible_host: 10.40.10.11", "ansible_host: 10.40.10.311"); break;
            case "ansible_host with three octets": dir.Replace(file, "ansible_host: 10.40.10.11", "ansible_host: 10.40.10"); break;
            case "VIP without prefix": dir.Replace(file, "- address: 10.40.1.100/24", "- address: 10.40.1.100"); break;
            case "VIP with three octets": dir.Replace(file, "- address: 10.40.1.100/24", "- address: 10.40.1/24"); break;
            case "literal object store credential":
                dir.Replace(file, "access_key: \"{{ vault_s3_access_key }}\"", "access_key: AKIAIOSFODNN7EXAMPLE"); break;
            case "disk without size": dir.Replace(file, "size_gb: 1000", "size_gb: lots"); break;
            case "ram not a number": dir.Replace(file, "datalyptica_ram_gb: 32", "datalyptica_ram_gb: 32GB"); break;
            case "unknown site role": dir.Replace(file, "datalyptica_site_role: primary", "datalyptica_site_role: secondary"); break;
            default: throw new ArgumentException(edit);
        }

        var loaded = dir.Load();
        loaded.Site.ShouldNotBeNull(); // the loader reports and carries on, so validate shows everything at once
        var d = loaded.Diagnostics.ShouldHaveSingleItem();
        d.Code.ShouldBe(code, d.ToString());
        d.Severity.ShouldBe(Severity.Error);
        d.Source.ShouldNotBeNull().File.ShouldBe(file, d.ToString());
        dir.LineAt(d.Source).ShouldContain(lineText, Case.Sensitive, d.ToString());
        d.Key.ShouldBe(key, d.ToString());
        d.Fix.ShouldNotBeNullOrWhiteSpace();
        d.ToString().ShouldNotContain("AKIAIOSFODNN7EXAMPLE"); // a literal credential is never echoed
        SiteValidator.Validate(loaded.Site, loaded.Diagnostics).ShouldContain(d);
    }

    [Fact]
    public void The_object_stores_CA_certificate_survives_write_and_load_and_a_non_PEM_one_is_DL539()
    {
        var ca = Datalyptica.Lab.ObjectStore.LabCertificates.CreateCa("round trip CA", TimeSpan.FromDays(1)).CertificatePem;
        var site = ProfileExpander.Expand(BuiltInProfiles.Development);
        site = site with { ObjectStore = site.ObjectStore! with { CaCertificate = ca } };
        using (var dir = SiteDir.Write(site))
            dir.Load().Site!.ObjectStore!.CaCertificate.ShouldBe(ca.TrimEnd() + "\n");
        using (var dir = SiteDir.Write(site))
        {
            var all = System.IO.Path.Combine(dir.Path, "group_vars", "all.yml");
            var text = File.ReadAllText(all);
            var start = text.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal);
            File.WriteAllText(all, text[..start] + "not-a-certificate-" + text[(start + 27)..]);
            var d = dir.Load().Diagnostics.Single(x => x.Code == FindingCodes.ObjectStoreCaNotPem.Code);
            d.Key.ShouldBe("datalyptica_object_store.ca_certificate");
            d.Fix.ShouldContain("BEGIN CERTIFICATE");
        }
    }

    [Fact]
    public void A_host_missing_from_every_tier_is_named_with_the_tiers_to_choose_from()
    {
        using var dir = SiteDir.Of(BuiltInProfiles.Development);
        dir.AddHostToGroup("etcd", "orphan01").AddHostVars("orphan01", "10.40.10.99");
        var d = dir.Load().Diagnostics.Single(x => x.Code == "DL531");
        d.Message.ShouldContain("orphan01");
        d.Fix.ShouldContain("loadbalancer, catalog, coordination");
    }

    [Fact]
    public void Broken_yaml_is_one_finding_with_file_and_line()
    {
        using var dir = SiteDir.Of(BuiltInProfiles.Development);
        dir.Replace("host_vars/db02.yml", "datalyptica_vcpu: 8", "datalyptica_vcpu: [8");
        var loaded = dir.Load();
        loaded.Site.ShouldBeNull();
        var d = loaded.Diagnostics.ShouldHaveSingleItem();
        d.Code.ShouldBe("DL500");
        d.Source.ShouldNotBeNull().File.ShouldBe("host_vars/db02.yml");
        d.Source.Line.ShouldBeGreaterThan(0);
    }

    private static List<string> Files(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f))
            .Order(StringComparer.Ordinal).ToList();

    /// <summary>The lines with every inline !vault block's ciphertext dropped.</summary>
    private static List<string> WithoutVault(List<string> lines)
    {
        var result = new List<string>();
        var inVault = false;
        foreach (var line in lines)
        {
            if (inVault && line.StartsWith("  ", StringComparison.Ordinal)) continue;
            inVault = line.EndsWith("!vault |", StringComparison.Ordinal);
            result.Add(line);
        }
        return result;
    }

    private static Dictionary<string, string> VaultedValues(string dir) =>
        AnsibleInventoryReader.Read(dir).FindGroup("all").ShouldNotBeNull().Vars
            .Where(v => v.Value is VaultedValue).ToDictionary(v => v.Key, v => ((VaultedValue)v.Value).Ciphertext);

    /// <summary>A value as text; a list item by item (a profile holds strings, the loader reads YAML's objects).</summary>
    private static string? Text(Model.Setting setting) => setting.Value is System.Collections.IEnumerable items and not string and not System.Collections.IDictionary
        ? "[" + string.Join(", ", items.Cast<object?>().Select(i => new Model.Setting(i, null).AsString())) + "]"
        : setting.AsString();
}

using System.Security.Cryptography;
using Datalyptica.Inventory;
using Datalyptica.Model;
using Datalyptica.Secrets;
using Datalyptica.Validation;

namespace Datalyptica.Sites;

/// <summary>
/// Writes a site as an Ansible inventory: hosts.yml with one group per tier and per role, group_vars/ for
/// site-wide and group settings, host_vars/ for each host's address and size. Secrets are written as inline
/// <c>!vault</c> values, so keys stay readable in reviews and values stay encrypted.
/// </summary>
public static class SiteWriter
{
    /// <summary>Writes the site. <paramref name="secrets"/> are encrypted with <paramref name="vaultPassword"/>.</summary>
    public static void Write(string directory, Site site, IReadOnlyDictionary<string, Secret> secrets, Secret vaultPassword, string? profile = null,
        IEnumerable<KeyValuePair<string, InventoryValue>>? extraSiteVars = null)
    {
        // Each value gets its own salt and so its own PBKDF2 (10,000 rounds, ~8 ms): spread them over the cores.
        var vaulted = secrets.OrderBy(s => s.Key, StringComparer.Ordinal).AsParallel().AsOrdered().Select(s => KeyValuePair.Create(s.Key,
            (InventoryValue)new VaultedValue(AnsibleVault.Encrypt(s.Value.Reveal(), vaultPassword), InventoryValue.Generated))).ToList();
        AnsibleInventoryWriter.Write(directory, ToDocument(site, profile, [.. extraSiteVars ?? [], .. vaulted]));
    }

    public static InventoryDocument ToDocument(Site site, string? profile, IEnumerable<KeyValuePair<string, InventoryValue>> extraSiteVars)
    {
        var allVars = new Dictionary<string, InventoryValue>
        {
            [SiteKeys.SiteName] = V(site.Name),
            [SiteKeys.Environment] = V(site.Environment),
            [SiteKeys.SiteRole] = V(site.Role.ToString().ToLowerInvariant()),
            [SiteKeys.Domain] = V(site.Domain),
            [SiteKeys.Versions] = V(site.Versions.OrderBy(v => v.Key, StringComparer.Ordinal).ToDictionary(v => v.Key, v => (object?)v.Value)),
            [SiteKeys.ObjectStorageTb] = V(site.ObjectStorageTb),
        };
        if (profile is not null) allVars[SiteKeys.Profile] = V(profile);
        if (site.Vips.Count > 0)
            allVars[SiteKeys.Vips] = V(site.Vips.Select(v => (object?)new Dictionary<string, object?>
            {
                ["name"] = v.Name, ["address"] = v.Cidr, ["router_id"] = v.RouterId, ["group"] = v.Group,
            }).ToList());
        if (site.ObjectStore is { } store)
            allVars[SiteKeys.ObjectStore] = V(new Dictionary<string, object?>
            {
                ["endpoint"] = store.Endpoint,
                ["region"] = store.Region,
                ["path_style"] = store.PathStyle,
                ["buckets"] = store.Buckets.ToDictionary(b => b.Key, b => (object?)b.Value),
                ["access_key"] = store.AccessKey.ToString(),
                ["secret_key"] = store.SecretKey.ToString(),
            }.Concat(store.CaCertificate is { } ca ? [new("ca_certificate", ca)] : Array.Empty<KeyValuePair<string, object?>>()).ToDictionary());
        foreach (var (key, setting) in site.Vars.Where(v => !SiteKeys.SiteWide.Contains(v.Key)))
            allVars[key] = V(setting.Value);
        foreach (var (key, value) in extraSiteVars) allVars[key] = value;

        var tierGroups = Tiers.All.Select(t => (Name: t.GroupName(), Hosts: site.Hosts.Where(h => h.Tier == t)));
        // Implied roles are derived when the site is read back (Components/ImpliedRoles.cs), never written.
        var roleGroups = site.Hosts.SelectMany(h => h.RoleGroups).Where(g => !Components.ImpliedRoles.IsImplied(g)).Distinct().Order(StringComparer.Ordinal)
            .Select(g => (Name: g, Hosts: site.HostsInGroup(g)));
        var groups = tierGroups.Concat(roleGroups)
            .Select(g => new InventoryGroupDefinition(g.Name)
            {
                Hosts = g.Hosts.Select(h => h.Name).ToList(),
                Vars = site.GroupVars.TryGetValue(g.Name, out var vars)
                    ? vars.ToDictionary(v => v.Key, v => V(v.Value.Value))
                    : new Dictionary<string, InventoryValue>(),
            })
            .Where(g => g.Hosts.Count > 0 || g.Vars.Count > 0)
            .ToList();
        var all = new InventoryGroupDefinition("all") { Children = groups.Select(g => g.Name).ToList(), Vars = allVars };

        var hosts = site.Hosts.Select(h => new InventoryHostDefinition(h.Name)
        {
            Vars = new Dictionary<string, InventoryValue>
            {
                [SiteKeys.Address] = V(h.Address.ToString()),
                [SiteKeys.VCpu] = V(h.VCpu),
                [SiteKeys.RamGb] = V(h.RamGb),
                [SiteKeys.Disks] = V(h.Disks.Select(d => (object?)new Dictionary<string, object?>
                {
                    ["mount"] = d.Mount, ["size_gb"] = d.SizeGb, ["kind"] = d.Kind,
                }).ToList()),
                [SiteKeys.Rack] = V(h.Rack),
            }.Where(kv => kv.Value is not InventoryScalar { Kind: ScalarKind.Null }).ToDictionary(),
        }).ToList();
        return new InventoryDocument { Groups = [all, .. groups], Hosts = hosts };
    }

    private static InventoryValue V(object? value) => InventoryValue.From(value);

    /// <summary>
    /// The inline !vault secrets an existing site keeps in group_vars/all.yml, decrypted, so writing the site
    /// again (init --force) keeps them. A wrong password stops here, before anything is overwritten.
    /// </summary>
    public static IReadOnlyDictionary<string, Secret> ReadSecrets(string directory, Secret vaultPassword)
    {
        var all = AnsibleInventoryReader.Read(directory, (file, text) => AnsibleVault.Decrypt(text, vaultPassword, file)).FindGroup("all");
        var secrets = new Dictionary<string, Secret>();
        foreach (var (key, value) in all?.Vars ?? new Dictionary<string, InventoryValue>())
            if (key.StartsWith(SiteKeys.VaultPrefix, StringComparison.Ordinal) && value is VaultedValue vaulted)
                secrets[key] = new Secret(AnsibleVault.Decrypt(vaulted.Ciphertext, vaultPassword, $"group_vars/all.yml ({key})"));
        return secrets;
    }

    /// <summary>
    /// Fresh random values for every secret the site needs: 32 bytes in URL-safe base64 with padding, which is
    /// exactly a Fernet key (Airflow) and safe in URLs, properties and YAML for every other use.
    /// </summary>
    public static IReadOnlyDictionary<string, Secret> GenerateSecrets(Site site) =>
        SecretRule.RequiredSecrets(site).ToDictionary(name => name, _ => new Secret(
            Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).Replace('+', '-').Replace('/', '_')));
}

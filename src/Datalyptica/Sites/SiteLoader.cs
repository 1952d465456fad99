using System.Net;
using System.Text.RegularExpressions;
using Datalyptica.Components;
using Datalyptica.Diagnostics;
using Datalyptica.Inventory;
using Datalyptica.Model;
using Datalyptica.Secrets;
using Datalyptica.Validation;

namespace Datalyptica.Sites;

/// <summary>A site read from disk, or why it could not be read; findings name file, line, key and fix.</summary>
public sealed record SiteLoadResult(Site? Site, IReadOnlyList<Diagnostic> Diagnostics);

/// <summary>
/// Reads a site (any Ansible YAML inventory: hosts.yml + group_vars/ + host_vars/) into the typed model.
/// Vault-encrypted files are decrypted in memory only to learn which secrets exist; values never leave here
/// except as <see cref="Secret"/>s asked for explicitly.
/// </summary>
public static partial class SiteLoader
{
    public const string SiteVaultPasswordFile = ".vault-password";

    [GeneratedRegex(@"^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")]
    private static partial Regex VarReference();

    // A VIP's name becomes a keepalived instance name, a metric label and a file name (KeepalivedMonitoring).
    [GeneratedRegex("^[A-Za-z0-9_-]{1,32}$")]
    private static partial Regex VipName();

    /// <param name="vaultPassword">Yields the vault password (it may throw <see cref="VaultException"/>: that source's failure is
    /// a finding); null when no password was given, and then the vaulted values are reported as not checked (DL605).</param>
    /// <param name="passwordOrigin">Where the password comes from (e.g. "--vault-password-file pw.txt"), for messages.</param>
    public static SiteLoadResult Load(string path, Func<Secret>? vaultPassword = null, string? passwordOrigin = null)
    {
        var root = Directory.Exists(path) ? Path.GetFullPath(path) : Path.GetDirectoryName(Path.GetFullPath(path))!;
        var encryptedFiles = new HashSet<string>(StringComparer.Ordinal);
        var diagnostics = new List<Diagnostic>();
        var password = new VaultPassword(vaultPassword) { Origin = passwordOrigin is null ? "" : $" (from {passwordOrigin})" };
        AnsibleInventory inventory;
        Diagnostic? vaultFinding = null;
        try
        {
            inventory = AnsibleInventoryReader.Read(path, (file, text) =>
            {
                var shown = Relative(root, file);
                if (vaultPassword is null)
                {
                    vaultFinding = new Diagnostic(FindingCodes.VaultPasswordRequired, $"{shown} is vault-encrypted and no vault password was given.",
                        GivePassword, new SourceRef(shown));
                    throw new VaultException(VaultProblem.NoPassword, vaultFinding.Message, shown);
                }
                var secret = password.Get() ?? throw new VaultException(VaultProblem.PasswordUnavailable, "", shown);
                encryptedFiles.Add(file);
                try { return AnsibleVault.Decrypt(text, secret, shown); }
                catch (VaultException e) when (e.Problem == VaultProblem.WrongPassword)
                {
                    vaultFinding = new Diagnostic(FindingCodes.VaultPasswordWrong, $"the vault password{password.Origin} is wrong for {shown}: it does not decrypt the file.",
                        WrongPasswordFix, new SourceRef(shown));
                    throw;
                }
            });
        }
        catch (Exception e) when (e is InventoryException or VaultException or IOException or UnauthorizedAccessException)
        {
            if ((vaultFinding ?? password.Finding) is { } finding)
            {
                diagnostics.Add(finding);
                return new SiteLoadResult(null, diagnostics);
            }
            var inventoryError = e as InventoryException;
            var location = inventoryError?.Location;
            var refusal = inventoryError?.Refusal ?? InventoryRefusal.Malformed;
            var (code, fix) = Refusal(refusal);
            // A refusal's message follows its file (the finding shows it relative to the site); a malformed file's names the position itself.
            var message = location is not null && refusal != InventoryRefusal.Malformed ? e.Message[(location.ToString().Length + 2)..] : e.Message;
            diagnostics.Add(new Diagnostic(code, message, fix,
                location is null ? new SourceRef(Relative(root, path)) : new SourceRef(Relative(root, location.File), location.Line, location.Column),
                inventoryError?.Key));
            return new SiteLoadResult(null, diagnostics);
        }
        return new Builder(root, inventory, encryptedFiles, diagnostics, password).Build();
    }

    private const string GivePassword =
        "give --vault-password-file FILE or --ask-vault-pass, set DATALYPTICA_VAULT_PASSWORD or ANSIBLE_VAULT_PASSWORD_FILE, " +
        "or keep the password in SITE/.vault-password (mode 0600).";

    private const string WrongPasswordFix =
        "give the password these values were encrypted with (--vault-password-file, --ask-vault-pass, DATALYPTICA_VAULT_PASSWORD or the site's .vault-password), " +
        "or re-encrypt the value with `datalyptica secrets encrypt --name VAR`.";

    /// <summary>The finding code and fix for an inventory refused as unsafe or malformed input.</summary>
    private static (FindingCode Code, string Fix) Refusal(InventoryRefusal refusal) => refusal switch
    {
        InventoryRefusal.FileTooLarge => (FindingCodes.SiteFileTooLarge, $"keep every file of the site under {SiteFileReader.MaxFileBytes / 1024 / 1024} MiB: split it (group_vars/NAME/ may be a folder of files)."),
        InventoryRefusal.LeavesSite => (FindingCodes.SiteLinkLeavesSite, "replace the link with a copy of the file inside the site; links may only point inside the site folder."),
        InventoryRefusal.NotRegularFile => (FindingCodes.SiteFileNotRegular, "replace it with a plain file."),
        InventoryRefusal.NotUtf8 => (FindingCodes.SiteFileNotUtf8, "convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8 FILE > FILE.new && mv FILE.new FILE)."),
        InventoryRefusal.YamlTooLarge => (FindingCodes.YamlTooLarge, "write the values out instead of repeating aliases, flatten deep nesting, or split the file."),
        InventoryRefusal.TooManyHosts => (FindingCodes.TooManyHosts, $"check the range's bounds; an inventory holds at most {AnsibleInventoryReader.MaxHosts.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} hosts, so split a larger estate into several sites."),
        InventoryRefusal.RangeReversed => (FindingCodes.HostRangeReversed, "write the smaller bound first (kafka[01:05])."),
        _ => (FindingCodes.InventoryUnreadable, "correct the inventory as the message says, then run validate again."),
    };

    /// <summary>The password, asked for once; a source that fails is remembered as the finding that says so.</summary>
    private sealed class VaultPassword(Func<Secret>? source)
    {
        private bool _asked;
        private Secret? _secret;

        public bool Given => source is not null;
        public Diagnostic? Finding { get; private set; }
        /// <summary>" (from SOURCE)", or empty.</summary>
        public string Origin { get; init; } = "";

        public Secret? Get()
        {
            if (_asked) return _secret;
            _asked = true;
            if (source is null) return null;
            try { return _secret = source(); }
            catch (VaultException e)
            {
                var code = e.Problem == VaultProblem.PasswordFileUnsafe ? FindingCodes.SitePasswordFileUnsafe : FindingCodes.VaultPasswordUnavailable;
                var message = e.Message.StartsWith("Fix: ", StringComparison.Ordinal) || !e.Message.Contains(" Fix: ", StringComparison.Ordinal)
                    ? e.Message : e.Message[..e.Message.IndexOf(" Fix: ", StringComparison.Ordinal)];
                var fix = e.Message.Contains(" Fix: ", StringComparison.Ordinal) ? e.Message[(e.Message.IndexOf(" Fix: ", StringComparison.Ordinal) + 6)..] : GivePassword;
                Finding = new Diagnostic(code, message, fix, e.SourceName is null ? null : new SourceRef(e.SourceName));
                return null;
            }
        }
    }

    /// <summary>
    /// An IP address as an inventory should write it. IPAddress.TryParse also takes inet_aton forms
    /// ("10.40.10" is 10.40.0.10, "010.1.1.1" is octal), which would turn a typo into another host's address;
    /// IPv4 must be a plain dotted quad.
    /// </summary>
    internal static bool TryParseAddress(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        if (IPAddress.TryParse(text, out address) &&
            (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || address.ToString() == text))
            return true;
        address = null;
        return false;
    }

    internal static string Relative(string root, string file) =>
        file.StartsWith(root, StringComparison.Ordinal) ? Path.GetRelativePath(root, file) : file;

    private sealed class Builder(string root, AnsibleInventory inventory, HashSet<string> encryptedFiles, List<Diagnostic> diagnostics,
        VaultPassword vaultPassword)
    {
        private readonly IReadOnlyDictionary<string, HostNameResolver.Resolution> resolutions = HostNameResolver.ResolveAll(NamesToResolve(inventory));

        private SourceRef Ref(SourceLocation l) => new(Relative(root, l.File), l.Line, l.Column);

        // vault_* values never enter the model (the engine resolves them from the vault at apply time). Other
        // values read from a vault-encrypted file keep their value, so rules see what the user set, but are
        // marked sensitive: the model's ToString and JSON print them as ***.
        private Setting ToSetting(string key, InventoryValue v) =>
            key.StartsWith(SiteKeys.VaultPrefix, StringComparison.Ordinal)
                ? new Setting(Secret.Mask, Ref(v.Location)) { Sensitive = true }
                : new Setting(Plain(v), Ref(v.Location)) { Sensitive = encryptedFiles.Contains(v.Location.File) };

        /// <summary>A value as the user wrote it, for messages: a string without JSON quotes.</summary>
        private static string? Show(InventoryValue v) => v is InventoryScalar s ? s.AsString() : v.ToString();

        private static object? Plain(InventoryValue v) => v switch
        {
            InventoryScalar s => s.Value,
            InventorySequence seq => seq.Items.Select(Plain).ToList(),
            InventoryMapping map => map.Entries.ToDictionary(e => e.Key, e => Plain(e.Value)),
            VaultedValue => "***",
            _ => null,
        };

        private void Error(FindingCode code, string message, string fix, SourceLocation? at, string? key = null) =>
            diagnostics.Add(new Diagnostic(code, message, fix, at is null ? null : Ref(at), key));

        public SiteLoadResult Build()
        {
            var all = inventory.FindGroup("all");
            var siteVars = all?.Vars ?? new Dictionary<string, InventoryValue>();
            var allLocation = all?.Location ?? new SourceLocation(inventory.Path, 1, 1);

            string Text(string key, string fallback) =>
                siteVars.TryGetValue(key, out var v) && v is InventoryScalar { Kind: ScalarKind.String } s ? (string)s.Value! : fallback;

            // Implied roles (the log shipper on every host of a site with Loki) are derived, never read: Components/ImpliedRoles.cs.
            var hosts = ImpliedRoles.Place(inventory.Hosts.Select(BuildHost).Where(h => h is not null).Select(h => h!).ToList());
            WarnUnknownGroups();

            var environment = Text(SiteKeys.Environment, "production");
            var roleText = Text(SiteKeys.SiteRole, "primary");
            var role = roleText switch { "primary" => SiteRole.Primary, "standby" => SiteRole.Standby, _ => (SiteRole?)null };
            if (role is null)
                Error(FindingCodes.SiteRoleInvalid, $"site role '{roleText}' is neither primary nor standby.", $"set {SiteKeys.SiteRole} to primary or standby.",
                    siteVars.GetValueOrDefault(SiteKeys.SiteRole)?.Location, SiteKeys.SiteRole);

            var site = new Site(
                Text(SiteKeys.SiteName, Path.GetFileName(root)),
                environment,
                role ?? SiteRole.Primary,
                Text(SiteKeys.Domain, ""),
                hosts,
                ReadVips(siteVars),
                ReadObjectStore(siteVars, allLocation),
                ReadVersions(siteVars))
            {
                Vars = siteVars.ToDictionary(kv => kv.Key, kv => ToSetting(kv.Key, kv.Value)),
                GroupVars = inventory.Groups.Where(g => g.Name != "all" && g.Vars.Count > 0)
                    .ToDictionary(g => g.Name, g => (IReadOnlyDictionary<string, Setting>)g.Vars.ToDictionary(kv => kv.Key, kv => ToSetting(kv.Key, kv.Value))),
                GroupSources = inventory.Groups.ToDictionary(g => g.Name, g => Ref(g.Location)),
                GroupHosts = Inventory.InventoryGroups.From(inventory).Groups,
                Secrets = CollectSecrets(),
                Directory = root,
                SettingsSource = SettingsSource(siteVars, allLocation),
                ObjectStorageTb = siteVars.TryGetValue(SiteKeys.ObjectStorageTb, out var tb) && tb is InventoryScalar { Value: long t } ? (int)t : 0,
            };
            return new SiteLoadResult(site, diagnostics);
        }

        /// <summary>
        /// Where a finding about a missing site-wide setting should point: the first setting in group_vars/all
        /// (where such settings are added), else the 'all' group in the inventory file.
        /// </summary>
        private SourceRef SettingsSource(IReadOnlyDictionary<string, InventoryValue> vars, SourceLocation allLocation) =>
            Ref(vars.Values.Select(v => v.Location)
                .Where(l => l.Line > 0 && l.File != inventory.Path)
                .OrderBy(l => l.File, StringComparer.Ordinal).ThenBy(l => l.Line)
                .FirstOrDefault() ?? allLocation);

        private Host? BuildHost(InventoryHost h)
        {
            var tiers = h.Groups.Select(Tiers.FromGroupName).Where(t => t is not null).Select(t => t!.Value).Distinct().ToList();
            if (tiers.Count != 1)
            {
                Error(tiers.Count == 0 ? FindingCodes.HostWithoutTier : FindingCodes.HostInSeveralTiers,
                    tiers.Count == 0
                        ? $"host {h.Name} is in no tier group."
                        : $"host {h.Name} is in several tier groups ({string.Join(", ", tiers.Select(t => t.GroupName()))}).",
                    $"list {h.Name} under exactly one of: {string.Join(", ", Tiers.All.Select(t => t.GroupName()))}.", h.Location);
                return null;
            }

            var (address, addressName) = Address(h);
            if (address is null) return null;

            return new Host(h.Name, address, tiers[0], Int(h, SiteKeys.VCpu), Int(h, SiteKeys.RamGb), Disks(h),
                h.Groups.Where(g => ComponentCatalog.RolesOfGroup(g).Count > 0).ToList())
            {
                AddressName = addressName,
                Rack = h.Vars.GetValueOrDefault(SiteKeys.Rack) is InventoryScalar r ? r.AsString() : null,
                Source = Ref(h.Location),
                Vars = h.Vars.ToDictionary(kv => kv.Key, kv => ToSetting(kv.Key, kv.Value)),
            };
        }

        /// <summary>
        /// The host's address: ansible_host, else the host's own name (as Ansible connects), either an IP address or a DNS
        /// name that resolves to exactly one IPv4 address. Null (with a DL530 finding) otherwise.
        /// </summary>
        private (IPAddress?, string?) Address(InventoryHost h)
        {
            var given = h.Vars.TryGetValue(SiteKeys.Address, out var a);
            var text = AddressText(h);
            if (TryParseAddress(text, out var address)) return (address, null);
            var at = given ? a!.Location : h.Location;
            if (!HostNameResolver.IsDnsName(text))
            {
                Error(FindingCodes.HostAddressInvalid,
                    given ? $"host {h.Name}: {SiteKeys.Address} '{Show(a!)}' is neither an IP address nor a DNS name."
                          : $"host {h.Name} has no {SiteKeys.Address}.",
                    $"set {SiteKeys.Address} to the host's IPv4 address or DNS name.", at, SiteKeys.Address);
                return (null, null);
            }
            var resolved = resolutions[text!];
            if (resolved.Address is null)
                Error(FindingCodes.HostAddressInvalid,
                    given ? $"host {h.Name}: {SiteKeys.Address} '{text}' {resolved.Problem}."
                          : $"host {h.Name} has no {SiteKeys.Address}, and its name {resolved.Problem}.",
                    $"make {text} resolve to the host's one IPv4 address (DNS or /etc/hosts), or set {SiteKeys.Address} to that address.",
                    at, SiteKeys.Address);
            return (resolved.Address, text);
        }

        /// <summary>What Ansible connects to: ansible_host (null when it is no scalar), else the host's own name.</summary>
        private static string? AddressText(InventoryHost h) =>
            h.Vars.TryGetValue(SiteKeys.Address, out var a) ? (a as InventoryScalar)?.AsString() : h.Name;

        /// <summary>The names to resolve before hosts are built: each host's ansible_host, or its own name, that is no IP address.</summary>
        private static IEnumerable<string> NamesToResolve(AnsibleInventory inventory) =>
            inventory.Hosts
                .Select(AddressText)
                .Where(text => !TryParseAddress(text, out _) && HostNameResolver.IsDnsName(text))
                .Select(text => text!);

        private int Int(InventoryHost h, string key)
        {
            if (!h.Vars.TryGetValue(key, out var v)) return 0;
            if (v is InventoryScalar { Value: long n } && n > 0 && n < int.MaxValue) return (int)n;
            Error(FindingCodes.HostSizeNotANumber, $"host {h.Name}: {key} '{Show(v)}' is not a positive whole number.", $"write {key} as a number, e.g. {key}: 8.", v.Location, key);
            return 0;
        }

        private IReadOnlyList<Disk> Disks(InventoryHost h)
        {
            if (!h.Vars.TryGetValue(SiteKeys.Disks, out var v)) return [];
            if (v is not InventorySequence seq)
            {
                Error(FindingCodes.HostDisksMalformed, $"host {h.Name}: {SiteKeys.Disks} must be a list.", "write - {mount: /data, size_gb: 1000, kind: ssd} items.", v.Location, SiteKeys.Disks);
                return [];
            }
            var disks = new List<Disk>();
            foreach (var item in seq.Items)
            {
                if (item is InventoryMapping m && m["mount"] is InventoryScalar mount && m["size_gb"] is InventoryScalar { Value: long size } && size > 0)
                    disks.Add(new Disk(mount.AsString()!, (int)size, (m["kind"] as InventoryScalar)?.AsString() ?? "ssd"));
                else
                    Error(FindingCodes.HostDisksMalformed, $"host {h.Name}: a disk entry needs mount and a positive size_gb.",
                        "write each disk as {mount: /data, size_gb: 1000, kind: ssd}.", item.Location, SiteKeys.Disks);
            }
            return disks;
        }

        private void WarnUnknownGroups()
        {
            var known = Tiers.All.Select(t => t.GroupName()).Concat(ComponentCatalog.RoleGroups).Append("all").Append("ungrouped").ToHashSet();
            foreach (var group in inventory.Groups.Where(g => !known.Contains(g.Name)))
            {
                var suggestion = DidYouMean.Suggest(group.Name, known);
                if (suggestion is null) continue; // custom groups are fine; only likely typos are worth a word
                diagnostics.Add(new Diagnostic(FindingCodes.GroupLooksMisspelt,
                    $"group '{group.Name}' is not a tier or role group; did you mean '{suggestion}'?",
                    $"rename it to '{suggestion}' so its hosts get that role.", Ref(group.Location), group.Name));
            }
        }

        private IReadOnlyList<Vip> ReadVips(IReadOnlyDictionary<string, InventoryValue> vars)
        {
            if (!vars.TryGetValue(SiteKeys.Vips, out var v)) return [];
            if (v is not InventorySequence seq)
            {
                Error(FindingCodes.VipsMalformed, $"{SiteKeys.Vips} must be a list.", "write - {name: frontend-a, address: 10.20.1.100/24, router_id: 51, group: keepalived} items.", v.Location, SiteKeys.Vips);
                return [];
            }
            var vips = new List<Vip>();
            foreach (var item in seq.Items)
            {
                var m = item as InventoryMapping;
                var name = (m?["name"] as InventoryScalar)?.AsString();
                var cidr = (m?["address"] as InventoryScalar)?.AsString()?.Split('/');
                var routerId = m?["router_id"] is InventoryScalar { Value: long id } ? (int)id : -1;
                if (name is null || !VipName().IsMatch(name) || cidr is not { Length: 2 } || !TryParseAddress(cidr[0], out var address) || !int.TryParse(cidr[1], out var prefix))
                {
                    Error(FindingCodes.VipsMalformed, "a VIP needs a name (letters, digits, '-' and '_', at most 32), address as address/prefix, router_id and group.",
                        "write it as {name: frontend-a, address: 10.20.1.100/24, router_id: 51, group: keepalived}.", item.Location, SiteKeys.Vips);
                    continue;
                }
                vips.Add(new Vip(name, address, prefix, routerId, (m!["group"] as InventoryScalar)?.AsString() ?? "keepalived")
                {
                    Interface = (m["interface"] as InventoryScalar)?.AsString(),
                    Source = Ref(item.Location),
                });
            }
            return vips;
        }

        private ObjectStore? ReadObjectStore(IReadOnlyDictionary<string, InventoryValue> vars, SourceLocation allLocation)
        {
            if (!vars.TryGetValue(SiteKeys.ObjectStore, out var v)) return null;
            if (v is not InventoryMapping m)
            {
                Error(FindingCodes.ObjectStoreNotAMapping, $"{SiteKeys.ObjectStore} must be a mapping.", "write endpoint, region, buckets, access_key and secret_key under it.", v.Location, SiteKeys.ObjectStore);
                return null;
            }
            string Str(string key) => (m[key] as InventoryScalar)?.AsString() ?? "";
            SecretRef Reference(string key)
            {
                var match = VarReference().Match(Str(key));
                if (!match.Success)
                    Error(FindingCodes.ObjectStoreCredentialInline, $"{SiteKeys.ObjectStore}.{key} must reference a vault variable, not hold the credential itself.",
                        $"write {key}: \"{{{{ vault_s3_{key} }}}}\" and keep vault_s3_{key} in group_vars/all/vault.yml (encrypted).",
                        m[key]?.Location ?? m.Location, $"{SiteKeys.ObjectStore}.{key}");
                return new SecretRef(match.Success ? match.Groups[1].Value : $"vault_s3_{key}");
            }
            var buckets = m["buckets"] is InventoryMapping b
                ? b.Entries.ToDictionary(e => e.Key, e => (e.Value as InventoryScalar)?.AsString() ?? "")
                : new Dictionary<string, string>();
            return new ObjectStore(Str("endpoint"), Str("region"), buckets, Reference("access_key"), Reference("secret_key"))
            {
                PathStyle = m["path_style"] is not InventoryScalar { Value: false },
                CaCertificate = CaCertificate(m),
                Source = Ref(m.Location),
            };
        }

        /// <summary>ca_certificate: one or more PEM certificates (a private CA for the endpoint's TLS); optional.</summary>
        private string? CaCertificate(InventoryMapping m)
        {
            var text = (m["ca_certificate"] as InventoryScalar)?.AsString()?.Trim();
            if (string.IsNullOrEmpty(text)) return null;
            if (!text.StartsWith("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal) || !text.EndsWith("-----END CERTIFICATE-----", StringComparison.Ordinal))
            {
                Error(FindingCodes.ObjectStoreCaNotPem, $"{SiteKeys.ObjectStore}.ca_certificate is not a PEM certificate.",
                    "paste the CA's certificate as a block scalar (ca_certificate: |) from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.",
                    m["ca_certificate"]!.Location, $"{SiteKeys.ObjectStore}.ca_certificate");
                return null;
            }
            return text + "\n";
        }

        private IReadOnlyDictionary<string, string> ReadVersions(IReadOnlyDictionary<string, InventoryValue> vars)
        {
            var versions = new Dictionary<string, string>(ComponentCatalog.DefaultVersions);
            if (vars.GetValueOrDefault(SiteKeys.Versions) is InventoryMapping m)
                foreach (var (id, value) in m.Entries)
                    versions[id] = (value as InventoryScalar)?.AsString() ?? "";
            return versions;
        }

        private IReadOnlyDictionary<string, SecretDefinition> CollectSecrets()
        {
            var secrets = new Dictionary<string, SecretDefinition>();
            var definitions = inventory.Groups.SelectMany(g => g.Vars).Concat(inventory.Hosts.SelectMany(h => h.Vars));
            foreach (var (key, value) in definitions)
            {
                if (!key.StartsWith(SiteKeys.VaultPrefix, StringComparison.Ordinal) || secrets.ContainsKey(key)) continue;
                var encrypted = value is VaultedValue || encryptedFiles.Contains(value.Location.File);
                secrets[key] = new SecretDefinition(key, encrypted, Ref(value.Location));
            }
            CheckVaultedValues();
            return secrets;
        }

        /// <summary>
        /// Every inline !vault value, wherever it is (any variable, nested in lists and mappings), is decrypted once with the
        /// password: a value encrypted with another password is named with its file, line and key. Without a password
        /// nothing can be checked, and the finding says so. Each value costs a 10,000-round PBKDF2 (about 8 ms): spread over the cores.
        /// </summary>
        private void CheckVaultedValues()
        {
            var vaulted = new List<(string Key, VaultedValue Value)>();
            var seen = new HashSet<InventoryValue>(ReferenceEqualityComparer.Instance);
            void Walk(string key, InventoryValue value)
            {
                if (!seen.Add(value)) return;
                switch (value)
                {
                    case VaultedValue v: vaulted.Add((key, v)); break;
                    case InventorySequence seq: foreach (var item in seq.Items) Walk(key, item); break;
                    case InventoryMapping map: foreach (var (k, v) in map.Entries) Walk($"{key}.{k}", v); break;
                }
            }
            foreach (var (key, value) in inventory.Groups.SelectMany(g => g.Vars).Concat(inventory.Hosts.SelectMany(h => h.Vars))) Walk(key, value);
            if (vaulted.Count == 0) return;
            vaulted = vaulted.OrderBy(v => v.Value.Location.File, StringComparer.Ordinal).ThenBy(v => v.Value.Location.Line).ToList();

            if (!vaultPassword.Given)
            {
                var first = vaulted[0];
                diagnostics.Add(new Diagnostic(FindingCodes.SecretsNotChecked,
                    $"no vault password was given, so the site's {vaulted.Count} vaulted value(s) were not checked (the first: {first.Key}).",
                    GivePassword, Ref(first.Value.Location), first.Key));
                return;
            }
            if (vaultPassword.Get() is not { } password)
            {
                diagnostics.Add(vaultPassword.Finding!);
                return;
            }
            var failures = vaulted.AsParallel().AsOrdered()
                .Select(v => (v.Key, v.Value, Problem: Decrypts(v.Value, password)))
                .Where(r => r.Problem is not null).ToList();
            var wrong = failures.Where(f => f.Problem!.Problem == VaultProblem.WrongPassword).ToList();
            if (wrong.Count == vaulted.Count && wrong.Count > 1)
            {
                // Not one value opens: the password is wrong for the whole site, which one finding says better than a line per value.
                diagnostics.Add(new Diagnostic(FindingCodes.VaultPasswordWrong,
                    $"the vault password{vaultPassword.Origin} does not decrypt any of the site's {wrong.Count} !vault values (the first: {wrong[0].Key}).",
                    WrongPasswordFix, Ref(wrong[0].Value.Location), wrong[0].Key));
                return;
            }
            // Only the platform's own secrets: a multi-line value of the user's other Ansible roles (an SSH key) is theirs to keep.
            var platformSecrets = ComponentCatalog.All.SelectMany(c => c.SecretKeys).ToHashSet(StringComparer.Ordinal);
            foreach (var (key, value, problem) in failures.Where(f => f.Problem!.Problem == VaultProblem.UnsafeText
                         && (platformSecrets.Contains(f.Key) || f.Key.StartsWith("vault_s3_", StringComparison.Ordinal))))
                diagnostics.Add(new Diagnostic(FindingCodes.SecretUnsafe,
                    $"the !vault value of {key} holds a line break, NUL or another control character ({problem!.Message}); it would be written into configuration files as it is.",
                    $"encrypt a value without them: `datalyptica secrets encrypt --name {key}` (one line; generated secrets never hold them).", Ref(value.Location), key));
            foreach (var (key, value, problem) in failures.Where(f => f.Problem!.Problem != VaultProblem.UnsafeText))
                diagnostics.Add(problem!.Problem == VaultProblem.WrongPassword
                    ? new Diagnostic(FindingCodes.VaultPasswordWrong, $"the vault password{vaultPassword.Origin} does not decrypt the !vault value of {key}.",
                        WrongPasswordFix, Ref(value.Location), key)
                    : new Diagnostic(FindingCodes.InventoryUnreadable, $"the !vault value of {key} cannot be read: {problem.Message}",
                        $"encrypt the value again with `datalyptica secrets encrypt --name {key}`.", Ref(value.Location), key));
        }

        private VaultException? Decrypts(VaultedValue value, Secret password)
        {
            try
            {
                var plain = AnsibleVault.Decrypt(value.Ciphertext, password, Relative(root, value.Location.File));
                // Secret placeholders are filled in at apply time, after every format writer: a line break there would add a
                // line to redis.conf or pgbackrest.conf. The position, never the value, goes into the finding.
                var bad = plain.AsSpan().IndexOfAnyInRange('\0', '\x1f');
                if (bad < 0) bad = plain.AsSpan().IndexOfAny('\x7f', '\u2028', '\u2029');
                return bad < 0 ? null : new VaultException(VaultProblem.UnsafeText, $"character {bad + 1} of {plain.Length}");
            }
            catch (VaultException e)
            {
                return e;
            }
        }
    }
}

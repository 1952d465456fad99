namespace Datalyptica.Model;

/// <summary>
/// The inventory variable names the site model is read from and written to. Declared once so the
/// writer, the loader and the unknown-key check cannot drift apart.
/// </summary>
public static class SiteKeys
{
    // Site-wide, in group_vars/all/main.yml.
    public const string SiteName = "datalyptica_site_name";
    public const string Environment = "datalyptica_environment";
    public const string SiteRole = "datalyptica_site_role";
    public const string Domain = "datalyptica_domain";
    public const string Vips = "datalyptica_vips";
    public const string ObjectStore = "datalyptica_object_store";
    public const string ObjectStorageTb = "datalyptica_object_storage_tb";
    public const string Versions = "datalyptica_versions";
    public const string Profile = "datalyptica_profile";
    /// <summary>Name patterns (* and ?) of variables that belong to the site's other Ansible roles: never warned about as unknown.</summary>
    public const string ForeignVars = "datalyptica_foreign_vars";

    // Per host, in hosts.yml.
    public const string Address = "ansible_host";
    public const string VCpu = "datalyptica_vcpu";
    public const string RamGb = "datalyptica_ram_gb";
    public const string Disks = "datalyptica_disks";
    public const string Rack = "datalyptica_rack";

    public static readonly IReadOnlyList<string> SiteWide =
        [SiteName, Environment, SiteRole, Domain, Vips, ObjectStore, ObjectStorageTb, Versions, Profile, ForeignVars];

    public static readonly IReadOnlyList<string> PerHost = [Address, VCpu, RamGb, Disks, Rack];

    /// <summary>Secrets live in the vault under this prefix; any such key is accepted.</summary>
    public const string VaultPrefix = "vault_";

    public static readonly IReadOnlyList<string> Environments = ["development", "staging", "production", "dr", "lab"];
}

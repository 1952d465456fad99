using Datalyptica.Diagnostics;
using Datalyptica.Model;
using Datalyptica.Secrets;
using Datalyptica.Validation;

namespace Datalyptica.Sites;

/// <summary>What a verb asks of <see cref="SiteSession.Open"/>: the site as the user named it and how to find its vault password.</summary>
public sealed record SiteOpenOptions(string Site)
{
    /// <summary>The value of <c>--vault-password-file</c>, if given.</summary>
    public string? VaultPasswordFile { get; init; }

    /// <summary>Set for <c>--ask-vault-pass</c>: asks for the password (the CLI reads the terminal without echo).</summary>
    public Func<Secret>? AskVaultPassword { get; init; }

    /// <summary>A password the caller already has (library callers such as the lab tests); wins over every source.</summary>
    public Secret? VaultPassword { get; init; }

    /// <summary>
    /// The verb uses the vault's secrets (plan, apply, verify, backup, drill): a site with vaulted values and no password is
    /// refused up front (DL606), before any host is contacted. render does not (it writes placeholders).
    /// </summary>
    public bool NeedsSecrets { get; init; } = true;

    /// <summary>Environment lookup for the password variables (tests pass a dictionary); default: the process environment.</summary>
    public Func<string, string?>? Environment { get; init; }

    /// <summary>
    /// Called with the site as soon as it is valid, before any secret is read (plan and apply start their SSH handshakes
    /// here, so they overlap rendering). Never called for a refused site: no host is touched before validation passes.
    /// </summary>
    public Action<Site>? Validated { get; init; }

    /// <summary>Profiling marks (the CLI passes EngineTrace.Mark); labels only, never values.</summary>
    public Action<string>? Trace { get; init; }
}

/// <summary>The outcome of <see cref="SiteSession.Open"/>: a session, or (refused) no session and the findings that say why.</summary>
public sealed record SiteOpening(SiteSession? Session, IReadOnlyList<Diagnostic> Findings)
{
    public bool Refused => Session is null;
    public IEnumerable<Diagnostic> Errors => Findings.Where(d => d.Severity == Severity.Error);
}

/// <summary>
/// The one way every verb that touches hosts opens a site (issue 12, deliverable 7): load the inventory, find the vault
/// password the one way (<see cref="PasswordSource"/>), decrypt, run every validation rule, and refuse while an error
/// remains. plan, apply, verify, backup and drill open sites only through here; a later verb should too.
/// Secrets are read from the vault on first use (backup never needs them), once per session.
/// </summary>
public sealed class SiteSession
{
    private readonly VaultPasswordSource _source;
    private readonly Lazy<Secret?> _password;
    private readonly Lazy<IReadOnlyDictionary<string, Secret>> _secrets;

    private SiteSession(string path, Site site, IReadOnlyList<Diagnostic> findings, VaultPasswordSource source, Lazy<Secret?> password)
    {
        Path = path;
        Directory = SiteDirectory(path);
        IsFolder = System.IO.Directory.Exists(path);
        Site = site;
        Findings = findings;
        _source = source;
        _password = password;
        // The vault's values live in SITE/group_vars: only a site given as a folder has them (an inventory file alone does not).
        _secrets = new Lazy<IReadOnlyDictionary<string, Secret>>(() =>
            IsFolder && VaultPassword is { } p ? SiteWriter.ReadSecrets(path, p) : new Dictionary<string, Secret>());
    }

    /// <summary>The site as the user named it (a folder or an inventory file); messages show it as given.</summary>
    public string Path { get; }

    /// <summary>The site's folder: the path itself, or the inventory file's folder (full path).</summary>
    public string Directory { get; }

    /// <summary>True when the site was named as a folder (hosts.yml, group_vars/, pki/ and the vault values live there).</summary>
    public bool IsFolder { get; }

    public Site Site { get; }

    /// <summary>
    /// The same session (folder, vault password, secrets) for <paramref name="site"/>, a variant of this session's site
    /// the caller derived from it (an upgrade plans its members at the new version). Nothing is validated again.
    /// </summary>
    public SiteSession WithSite(Site site) => new(Path, site, Findings, _source, _password);

    /// <summary>What the validator said about a site it accepted: warnings and notes only.</summary>
    public IReadOnlyList<Diagnostic> Findings { get; }

    /// <summary>The vault password, resolved once; null when no source is configured.</summary>
    public Secret? VaultPassword => _password.Value;

    /// <summary>Where the password comes from, for messages (never the password); null when no source is configured.</summary>
    public string? VaultPasswordOrigin => _source.Describe();

    /// <summary>The vault's secrets by name (empty without a password, or when the site is an inventory file).</summary>
    public IReadOnlyDictionary<string, Secret> Secrets => _secrets.Value;

    /// <summary>
    /// The vault password source for a site, in this order: <c>--vault-password-file</c> or <c>--ask-vault-pass</c>, then
    /// <c>DATALYPTICA_VAULT_PASSWORD</c>, then <c>ANSIBLE_VAULT_PASSWORD_FILE</c>, then <c>vault_password_file</c> in SITE/ansible.cfg,
    /// then the site's own <c>.vault-password</c> (<see cref="VaultPasswordSource"/>). Files found through the site are never run.
    /// </summary>
    public static VaultPasswordSource PasswordSource(string site, string? passwordFile, Func<string, string?>? environment = null,
        Func<Secret>? prompt = null)
    {
        var folder = SiteDirectory(site);
        return VaultPasswordSource.ForSite(passwordFile, environment, prompt, () => AnsibleConfig.VaultPasswordFile(folder),
            (System.IO.Path.Combine(folder, SiteLoader.SiteVaultPasswordFile),
             System.IO.Path.Combine(System.IO.Directory.Exists(site) ? site : System.IO.Path.GetDirectoryName(site) ?? "", SiteLoader.SiteVaultPasswordFile)));
    }

    /// <summary>Reads a site without validating it (validate, render, bom and inventory list show it as it is).</summary>
    public static SiteLoadResult Load(string site, string? passwordFile, Func<string, string?>? environment = null, Func<Secret>? prompt = null)
    {
        var source = PasswordSource(site, passwordFile, environment, prompt);
        Secret? cached = null;
        return SiteLoader.Load(site, source.IsConfigured ? () => cached ??= source.Resolve() : null);
    }

    /// <summary>
    /// Opens a site for a verb: loaded, decrypted and valid, or refused with every finding (the errors among them say why).
    /// A password source that is configured but fails is a finding (DL604, DL607); no password for a verb that
    /// <see cref="SiteOpenOptions.NeedsSecrets"/> is DL606.
    /// </summary>
    public static SiteOpening Open(SiteOpenOptions options)
    {
        var source = PasswordSource(options.Site, options.VaultPasswordFile, options.Environment, options.AskVaultPassword);
        var password = new Lazy<Secret?>(() => options.VaultPassword ?? (source.IsConfigured ? source.Resolve() : null));
        var given = options.VaultPassword is not null || source.IsConfigured;
        var loaded = SiteLoader.Load(options.Site, given ? () => password.Value! : null);
        options.Trace?.Invoke("site loaded");
        if (options.NeedsSecrets && loaded.Diagnostics.FirstOrDefault(d => d.Code == FindingCodes.SecretsNotChecked.Code) is { } notChecked)
            return new SiteOpening(null, [.. loaded.Diagnostics.Where(d => d != notChecked && d.Severity == Severity.Error),
                new Diagnostic(FindingCodes.VaultPasswordRequired,
                    "this verb uses the site's secrets and no vault password was given; nothing was contacted.",
                    notChecked.Fix, notChecked.Source, notChecked.Key)]);
        if (loaded.Site is null) return new SiteOpening(null, loaded.Diagnostics);
        var findings = SiteValidator.Validate(loaded.Site, loaded.Diagnostics);
        options.Trace?.Invoke("site validated");
        if (findings.Any(d => d.Severity == Severity.Error)) return new SiteOpening(null, findings);
        options.Validated?.Invoke(loaded.Site);
        return new SiteOpening(new SiteSession(options.Site, loaded.Site, findings, source, password), findings);
    }

    private static string SiteDirectory(string site) =>
        System.IO.Directory.Exists(site) ? System.IO.Path.GetFullPath(site) : System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(site))!;
}

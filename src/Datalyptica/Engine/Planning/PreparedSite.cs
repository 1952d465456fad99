using Datalyptica.Engine.Repository;
using Datalyptica.Model;
using Datalyptica.Pki;
using Datalyptica.Rendering;
using Datalyptica.Secrets;
using Datalyptica.Sites;

namespace Datalyptica.Engine.Planning;

/// <summary>
/// An opened site made ready to plan or apply: certificates issued, every file rendered, each host's desired state built,
/// and the secrets (vault values and certificate keys) the plan resolves by name. Secret values never leave as text.
/// </summary>
public sealed record PreparedSite(Site Site, IReadOnlyList<HostDesiredState> Desired, IReadOnlyDictionary<string, Secret> Secrets)
{
    /// <summary>The vault password, for the saved plan's seal only (<see cref="PlanSeal"/>); null when none was given.</summary>
    public Secret? VaultPassword { get; init; }

    /// <summary>The key apply signs the served offline repository with; null when the site serves none.</summary>
    public RepositorySigningKey? RepositorySigningKey { get; init; }

    /// <summary>The key `plan --out` seals with and `apply --plan` checks; null without a vault password.</summary>
    public byte[]? PlanSealKey() => VaultPassword is { } password ? PlanSeal.Key(password, Site.Name) : null;

    /// <summary>
    /// Issues the site's certificates (once, into SITE/pki, on the control node, never on a host, so rendering stays
    /// stable), renders, and builds the desired state. <paramref name="notice"/> hears what was created in the site.
    /// </summary>
    public static PreparedSite Prepare(SiteSession session, Action<string>? notice = null, DateTimeOffset? now = null)
    {
        var site = session.Site;
        var secrets = new Dictionary<string, Secret>(session.Secrets);
        if (session.IsFolder && session.VaultPassword is { } password && CertificateCatalog.Required(site).Count > 0)
        {
            var folder = Path.Combine(session.Path, SitePkiStore.Folder);
            var pki = SitePkiStore.Ensure(session.Path, site, password, now ?? DateTimeOffset.UtcNow);
            if (pki.CaCreated) notice?.Invoke($"created the site's certificate authority in {folder}");
            if (pki.Issued > 0) notice?.Invoke($"issued {pki.Issued} certificate(s) into {folder} (keys vault-encrypted)");
            site = site with { Pki = pki.Pki };
            foreach (var (k, v) in pki.Keys) secrets[k] = v;
        }
        RepositorySigningKey? signingKey = null;
        if (AptSource.ServedEndpoint(site) is not null)
        {
            // Hosts verify the served repository with the site's own OpenPGP key, made once and kept in SITE/pki.
            if (!session.IsFolder || session.VaultPassword is not { } vaultPassword)
                throw new InvalidOperationException(
                    $"site {site.Name} serves its hosts' packages ({AptSource.RepositoryListenKey}), which are signed with a key kept in the site folder " +
                    "under its vault password. Fix: use a site folder and give its vault password.");
            signingKey = RepositoryKeyStore.Ensure(session.Path, site, vaultPassword, now ?? DateTimeOffset.UtcNow, out var created);
            if (created) notice?.Invoke($"created the site's repository signing key {Path.Combine(session.Path, SitePkiStore.Folder, RepositoryKeyStore.PublicFile)} (fingerprint {signingKey.Fingerprint})");
            site = site with { RepositoryKey = signingKey.PublicKeyArmored };
        }
        EngineTrace.Mark("secrets read, certificates issued");
        var desired = DesiredStateBuilder.Build(site, SiteRenderer.Render(site), ArtifactCatalog.FromSite(site));
        EngineTrace.Mark("rendered, desired state built");
        return new PreparedSite(site, desired, secrets) { VaultPassword = session.VaultPassword, RepositorySigningKey = signingKey };
    }

    /// <summary>The desired state of the hosts a --limit selected (<paramref name="hosts"/>), or of every host (null).</summary>
    public IReadOnlyList<HostDesiredState> DesiredOn(IReadOnlySet<string>? hosts) =>
        hosts is null ? Desired : Desired.Where(d => hosts.Contains(d.Host)).ToList();

    /// <summary>Plan options that resolve this site's secrets.</summary>
    public PlanOptions Options(int parallelism) => new() { ResolveSecret = n => Secrets.GetValueOrDefault(n), Parallelism = parallelism };

    /// <summary>Masks every secret of this site (vault values and certificate keys) in command output.</summary>
    public SecretMasker Masker() => new(Secrets.Values);
}

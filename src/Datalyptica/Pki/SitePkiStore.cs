using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Datalyptica.IO;
using Datalyptica.Model;
using Datalyptica.Secrets;

namespace Datalyptica.Pki;

/// <summary>What <see cref="SitePkiStore.Ensure"/> found and did.</summary>
public sealed record PkiResult(SitePki Pki, IReadOnlyDictionary<string, Secret> Keys, int Issued, bool CaCreated);

/// <summary>
/// A site's own certificate authority and the certificates it issued, kept in the site folder so rendering stays
/// deterministic (a certificate is issued once, not on every run):
/// <list type="bullet">
/// <item>SITE/pki/ca.crt and SITE/pki/certs/HOST/ID.crt: public, committed with the site.</item>
/// <item>SITE/pki/keys.vault: every private key, the CA's included, as one Ansible-vault-encrypted JSON map under
/// the site's vault password (one decryption per run, not one per key).</item>
/// </list>
/// A certificate is (re)issued when it is missing, its names no longer match the site, it was not signed by this
/// CA, or it expires within <see cref="RenewBefore"/>. ECDSA P-256, SHA-256; leaves live two years, the CA ten.
/// </summary>
public static class SitePkiStore
{
    public const string Folder = "pki";
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);
    private const string CaKeyName = "ca";

    private static string CaPath(string site) => Path.Combine(site, Folder, "ca.crt");
    private static string KeysPath(string site) => Path.Combine(site, Folder, "keys.vault");
    private static string CertPath(string site, string host, string id) => Path.Combine(site, Folder, "certs", host, id + ".crt");

    /// <summary>The public half only (render without the vault password); null when the site has no PKI yet.</summary>
    public static SitePki? LoadPublic(string siteDirectory, Site site)
    {
        if (!File.Exists(CaPath(siteDirectory))) return null;
        var certs = new Dictionary<string, string>();
        foreach (var spec in CertificateCatalog.Required(site))
            if (File.Exists(CertPath(siteDirectory, spec.Host, spec.Id)))
                certs[SitePki.Key(spec.Host, spec.Id)] = File.ReadAllText(CertPath(siteDirectory, spec.Host, spec.Id));
        return new SitePki(File.ReadAllText(CaPath(siteDirectory)), certs);
    }

    /// <summary>Creates the CA when absent and issues every missing or stale certificate. Writes only SITE/pki.</summary>
    public static PkiResult Ensure(string siteDirectory, Site site, Secret vaultPassword, DateTimeOffset now)
    {
        var keys = ReadKeys(siteDirectory, vaultPassword);
        var changed = false;
        var caCreated = false;
        X509Certificate2 ca;
        if (File.Exists(CaPath(siteDirectory)) && keys.TryGetValue(CaKeyName, out var caKeyPem))
            ca = X509Certificate2.CreateFromPem(File.ReadAllText(CaPath(siteDirectory)), caKeyPem);
        else
        {
            ca = CertificateAuthority.CreateCa($"datalyptica {site.Name} CA", now);
            keys = new Dictionary<string, string> { [CaKeyName] = CertificateAuthority.PrivateKeyPem(ca) }; // a new CA invalidates every leaf
            Write(CaPath(siteDirectory), ca.ExportCertificatePem() + "\n");
            caCreated = changed = true;
        }

        var issued = 0;
        var certs = new Dictionary<string, string>();
        foreach (var spec in CertificateCatalog.Required(site))
        {
            var key = SitePki.Key(spec.Host, spec.Id);
            var path = CertPath(siteDirectory, spec.Host, spec.Id);
            var current = File.Exists(path) && keys.ContainsKey(key) ? X509Certificate2.CreateFromPem(File.ReadAllText(path)) : null;
            if (current is null || !CertificateAuthority.StillGood(current, ca, spec, now + RenewBefore))
            {
                var (cert, keyPem) = CertificateAuthority.Issue(ca, spec, now);
                Write(path, cert.ExportCertificatePem() + "\n");
                keys[key] = keyPem;
                issued++;
                changed = true;
            }
            certs[key] = File.ReadAllText(path);
        }
        if (changed)
            AtomicFile.Write(KeysPath(siteDirectory), AnsibleVault.Encrypt(JsonSerializer.Serialize(keys), vaultPassword),
                UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var secrets = CertificateCatalog.Required(site).ToDictionary(
            s => SitePki.KeySecretName(s.Host, s.Id), s => new Secret(keys[SitePki.Key(s.Host, s.Id)]));
        return new PkiResult(new SitePki(ca.ExportCertificatePem() + "\n", certs), secrets, issued, caCreated);
    }

    private static Dictionary<string, string> ReadKeys(string siteDirectory, Secret vaultPassword)
    {
        var path = KeysPath(siteDirectory);
        if (!File.Exists(path)) return [];
        var json = AnsibleVault.Decrypt(File.ReadAllText(path), vaultPassword, Path.Combine(Folder, "keys.vault"));
        return JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];
    }

    private static void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.Write(path, content);
    }
}

using Datalyptica.IO;
using Datalyptica.Model;
using Datalyptica.Secrets;

namespace Datalyptica.Pki;

/// <summary>
/// Where a site keeps its repository signing key (<see cref="RepositorySigningKey"/>), next to its CA:
/// <list type="bullet">
/// <item>SITE/pki/repository-key.asc: the public key, committed with the site; it is part of every host's plan.</item>
/// <item>SITE/pki/repository-key.vault: the secret key, Ansible-vault-encrypted under the site's vault password, 0600.</item>
/// </list>
/// Made once, like the CA, so plans stay stable. A site whose public file is present but whose secret file is gone, or
/// does not match it, is refused rather than silently re-keyed.
/// </summary>
public static class RepositoryKeyStore
{
    public const string PublicFile = "repository-key.asc";
    public const string SecretFile = "repository-key.vault";

    private static string PublicPath(string site) => Path.Combine(site, SitePkiStore.Folder, PublicFile);
    private static string SecretPath(string site) => Path.Combine(site, SitePkiStore.Folder, SecretFile);

    /// <summary>The public key, or null when the site has none yet (render without the vault password).</summary>
    public static string? LoadPublic(string siteDirectory) =>
        File.Exists(PublicPath(siteDirectory)) ? File.ReadAllText(PublicPath(siteDirectory)) : null;

    /// <summary>The site's key, made on first use. <paramref name="created"/> says whether this call made it.</summary>
    public static RepositorySigningKey Ensure(string siteDirectory, Site site, Secret vaultPassword, DateTimeOffset now, out bool created)
    {
        ArgumentNullException.ThrowIfNull(site);
        var publicPath = PublicPath(siteDirectory);
        var secretPath = SecretPath(siteDirectory);
        created = false;
        if (File.Exists(secretPath))
        {
            var key = RepositorySigningKey.Load(new Secret(AnsibleVault.Decrypt(File.ReadAllText(secretPath), vaultPassword,
                Path.Combine(SitePkiStore.Folder, SecretFile))));
            // The public half is derived from the secret one: write it again if it went missing.
            if (!File.Exists(publicPath)) AtomicFile.Write(publicPath, key.PublicKeyArmored);
            else if (File.ReadAllText(publicPath) != key.PublicKeyArmored)
                throw new InvalidOperationException(
                    $"{Path.Combine(SitePkiStore.Folder, PublicFile)} does not belong to the key in {Path.Combine(SitePkiStore.Folder, SecretFile)}. " +
                    "Fix: restore both files from the site's history; to start over with a new key, delete both (hosts take the new key at the next apply).");
            return key;
        }
        if (File.Exists(publicPath))
            throw new InvalidOperationException(
                $"{Path.Combine(SitePkiStore.Folder, PublicFile)} exists but its secret half {Path.Combine(SitePkiStore.Folder, SecretFile)} does not. " +
                "Fix: restore it from the site's history; to start over with a new key, delete the public file too.");

        var made = RepositorySigningKey.Create($"datalyptica {site.Name} offline repository", now.UtcDateTime);
        Directory.CreateDirectory(Path.GetDirectoryName(secretPath)!);
        // The secret file first: a crash between the two writes leaves the secret, from which the public half is made again.
        AtomicFile.Write(secretPath, AnsibleVault.Encrypt(made.SecretKeyArmored().Reveal(), vaultPassword),
            UnixFileMode.UserRead | UnixFileMode.UserWrite);
        AtomicFile.Write(publicPath, made.PublicKeyArmored);
        created = true;
        return made;
    }
}

using System.Text;
using Datalyptica.Secrets;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Datalyptica.Pki;

/// <summary>
/// The OpenPGP key a site signs its offline apt repository with. apt verifies a Release file only with OpenPGP (gpgv on
/// Debian 12, sqv on Debian 13), so the site's X.509 CA cannot serve here.
/// <para>
/// Ed25519 in its "legacy EdDSA" encoding (OpenPGP algorithm 22): what GnuPG 2.2 makes with `--quick-gen-key ed25519` and
/// what gpgv 2.2 and sqv both verify; the RFC 9580 native Ed25519 (algorithm 27) is unknown to gpgv 2.2. Every
/// signature, the key's self-signature included, uses SHA-512: SHA-1 signatures are refused by sqv's policy.
/// </para>
/// </summary>
public sealed class RepositorySigningKey
{
    private readonly PgpSecretKey _secret;

    private RepositorySigningKey(PgpSecretKey secret) => _secret = secret;

    /// <summary>The public key, ASCII-armoured: what a host's `signed-by=` names.</summary>
    public string PublicKeyArmored => Armor(s => _secret.PublicKey.Encode(s));

    /// <summary>The key's fingerprint in hex, for messages and docs.</summary>
    public string Fingerprint => Convert.ToHexString(_secret.PublicKey.GetFingerprint());

    public static RepositorySigningKey Create(string userId, DateTime nowUtc)
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var pair = new PgpKeyPair(PublicKeyAlgorithmTag.EdDsa_Legacy, generator.GenerateKeyPair(), nowUtc);
        var hashed = new PgpSignatureSubpacketGenerator();
        hashed.SetKeyFlags(false, PgpKeyFlags.CanSign | PgpKeyFlags.CanCertify);
        hashed.SetPreferredHashAlgorithms(false, [(int)HashAlgorithmTag.Sha512, (int)HashAlgorithmTag.Sha256]);
        // No passphrase: the armoured secret key only ever exists inside the site's vault-encrypted file.
        var ring = new PgpKeyRingGenerator(PgpSignature.PositiveCertification, pair, userId, SymmetricKeyAlgorithmTag.Null,
            HashAlgorithmTag.Sha512, Array.Empty<char>(), useSha1: true, hashed.Generate(), null, new SecureRandom());
        return new RepositorySigningKey(ring.GenerateSecretKeyRing().GetSecretKey());
    }

    /// <summary>Reads the armoured secret key <see cref="SecretKeyArmored"/> wrote.</summary>
    public static RepositorySigningKey Load(Secret armored)
    {
        using var input = PgpUtilities.GetDecoderStream(new MemoryStream(Encoding.ASCII.GetBytes(armored.Reveal())));
        var ring = new PgpSecretKeyRing(input);
        return new RepositorySigningKey(ring.GetSecretKey());
    }

    /// <summary>The secret key, ASCII-armoured, as a <see cref="Secret"/> (it goes only into a vault-encrypted file).</summary>
    public Secret SecretKeyArmored() => new(Armor(s => _secret.Encode(s)));

    /// <summary>A detached, armoured signature over <paramref name="data"/>: the Release.gpg apt fetches next to Release.</summary>
    public byte[] SignDetached(byte[] data, DateTime nowUtc)
    {
        var generator = new PgpSignatureGenerator(_secret.PublicKey.Algorithm, HashAlgorithmTag.Sha512);
        generator.InitSign(PgpSignature.BinaryDocument, _secret.ExtractPrivateKey(Array.Empty<char>()));
        var hashed = new PgpSignatureSubpacketGenerator();
        hashed.SetSignatureCreationTime(false, nowUtc);
        hashed.SetIssuerFingerprint(false, _secret.PublicKey);
        generator.SetHashedSubpackets(hashed.Generate());
        generator.Update(data);
        return Encoding.ASCII.GetBytes(Armor(s => generator.Generate().Encode(s)));
    }

    private static string Armor(Action<Stream> write)
    {
        using var buffer = new MemoryStream();
        using (var armored = ArmoredOutputStream.Build().SetVersion(null).Build(buffer)) // no "Version: BCPG" line
            write(armored);
        return Encoding.ASCII.GetString(buffer.ToArray());
    }
}

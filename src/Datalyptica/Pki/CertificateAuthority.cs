using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Datalyptica.Pki;

/// <summary>Creates the site CA and issues leaf certificates with .NET's own X.509 support (no openssl calls).</summary>
public static class CertificateAuthority
{
    public static readonly TimeSpan CaLifetime = TimeSpan.FromDays(3650), LeafLifetime = TimeSpan.FromDays(730);
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1"), ClientAuth = new("1.3.6.1.5.5.7.3.2");

    public static X509Certificate2 CreateCa(string name, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddMinutes(-5), now + CaLifetime);
    }

    public static (X509Certificate2 Certificate, string PrivateKeyPem) Issue(X509Certificate2 ca, CertificateSpec spec, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={spec.CommonName}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        var usages = new OidCollection();
        if (spec.Use is CertificateUse.Server or CertificateUse.ServerAndClient) usages.Add(ServerAuth);
        if (spec.Use is CertificateUse.Client or CertificateUse.ServerAndClient) usages.Add(ClientAuth);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        if (spec.DnsNames.Count + spec.Addresses.Count > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var dns in spec.DnsNames) san.AddDnsName(dns);
            foreach (var ip in spec.Addresses) san.AddIpAddress(ip);
            request.CertificateExtensions.Add(san.Build());
        }
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var notAfter = now + LeafLifetime < ca.NotAfter ? now + LeafLifetime : new DateTimeOffset(ca.NotAfter);
        using var signed = request.Create(ca, now.AddMinutes(-5), notAfter, RandomNumberGenerator.GetBytes(16));
        return (X509CertificateLoader.LoadCertificate(signed.RawData), key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    public static string PrivateKeyPem(X509Certificate2 ca) => ca.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n";

    /// <summary>Signed by <paramref name="ca"/>, valid past <paramref name="validUntil"/>, with exactly the spec's names.</summary>
    public static bool StillGood(X509Certificate2 cert, X509Certificate2 ca, CertificateSpec spec, DateTimeOffset validUntil)
    {
        if (cert.NotAfter < validUntil.UtcDateTime || cert.Issuer != ca.Subject) return false;
        if (!cert.IsSignedBy(ca)) return false;
        if (cert.GetNameInfo(X509NameType.SimpleName, false) != spec.CommonName) return false;
        var san = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        var dns = san?.EnumerateDnsNames().Order(StringComparer.Ordinal).ToList() ?? [];
        var ips = san?.EnumerateIPAddresses().Select(a => a.ToString()).Order(StringComparer.Ordinal).ToList() ?? [];
        return dns.SequenceEqual(spec.DnsNames.Order(StringComparer.Ordinal))
            && ips.SequenceEqual(spec.Addresses.Select(a => a.ToString()).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Issued by this CA: its authority key id names the CA's key. Only our own files are checked here (SITE/pki), so
    /// this catches a CA that was replaced; a full chain build cost ~50 ms per certificate on every plan.
    /// </summary>
    private static bool IsSignedBy(this X509Certificate2 cert, X509Certificate2 ca)
    {
        var authority = cert.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().FirstOrDefault()?.KeyIdentifier;
        var subject = ca.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifierBytes;
        return authority is { } a && subject is { } s && a.Span.SequenceEqual(s.Span);
    }
}

using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Datalyptica.Lab.ObjectStore;

/// <summary>A certificate and its private key, both PEM.</summary>
public sealed record PemPair(string CertificatePem, string PrivateKeyPem);

/// <summary>
/// The lab's own CA and the S3 server's certificate, made in process (no openssl). The server certificate names the
/// DNS name in its SAN: pgBackRest 2.45 never matches an IP address against a certificate (found on the lab), so lab
/// hosts reach the store by name through /etc/hosts.
/// </summary>
public static class LabCertificates
{
    public static PemPair CreateCa(string commonName, TimeSpan lifetime)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var cert = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(lifetime));
        return new PemPair(cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>A TLS server certificate signed by <paramref name="ca"/> for <paramref name="dnsName"/> (and the addresses, for other clients).</summary>
    public static PemPair CreateServer(PemPair ca, string dnsName, IEnumerable<IPAddress> addresses, TimeSpan lifetime)
    {
        using var caCert = X509Certificate2.CreateFromPem(ca.CertificatePem, ca.PrivateKeyPem);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dnsName);
        foreach (var address in addresses) san.AddIpAddress(address);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // serverAuth
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        var notAfter = now.Add(lifetime) < caCert.NotAfter ? now.Add(lifetime) : caCert.NotAfter.ToUniversalTime();
        using var cert = request.Create(caCert, now.AddMinutes(-5), notAfter, RandomNumberGenerator.GetBytes(16));
        return new PemPair(cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }
}

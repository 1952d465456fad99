using Datalyptica.Contracts;
using Datalyptica.Components.Etcd;
using Datalyptica.Components.OsBaseLayer;
using Datalyptica.Rendering;
using Datalyptica.Secrets;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.OsBaseLayer;

/// <summary>
/// The certificate expiry textfile: one line per certificate the host holds and the site CA, each notAfter as
/// OpenSSL reads it from the same PEM, in an exposition promtool accepts; none before the PKI is issued or on a host
/// without certificates.
/// </summary>
public sealed class CertificateExpiryTests
{
    [Fact]
    public void Each_certificate_a_host_holds_is_listed_with_its_notAfter_and_promtool_accepts_the_file()
    {
        var site = RenderedSites.Production.Site;
        SiteRenderer.Render(site).SelectMany(h => h.Files).ShouldNotContain(f => f.Path == CertificateExpiry.MetricsPath, "no PKI issued yet");

        var folder = Directory.CreateTempSubdirectory("dl-cert-expiry-").FullName;
        try
        {
            var pki = Datalyptica.Pki.SitePkiStore.Ensure(folder, site, new Secret("test-vault-password"), DateTimeOffset.UtcNow).Pki;
            var rendered = SiteRenderer.Render(site with { Pki = pki });
            var etcdHost = site.HostsWith(EtcdComponent.Member).First();
            var file = rendered.Single(h => h.Host.Name == etcdHost.Name).Files.Single(f => f.Path == CertificateExpiry.MetricsPath);
            var lines = file.Content.Split('\n').Where(l => l.StartsWith(CertificateExpiry.Metric, StringComparison.Ordinal)).ToList();
            lines.ShouldContain(l => l.Contains("certificate=\"etcd-server\""));
            lines.ShouldContain(l => l.Contains("certificate=\"site-ca\""));

            foreach (var (id, pem) in new[] { ("etcd-server", pki.CertificateFor(etcdHost.Name, "etcd-server")!), ("site-ca", pki.CaCertificatePem) })
            {
                var pemFile = Path.Combine(folder, $"{id}.pem");
                File.WriteAllText(pemFile, pem);
                var end = Tool.Run("openssl", ["x509", "-noout", "-enddate", "-dateopt", "iso_8601", "-in", pemFile]);
                end.ExitCode.ShouldBe(0, end.Output);
                var notAfter = DateTimeOffset.Parse(end.Output.Trim()["notAfter=".Length..], System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds();
                lines.ShouldContain($"{CertificateExpiry.Metric}{{certificate=\"{id}\"}} {notAfter}");
            }

            var check = Tool.Run("promtool", ["check", "metrics"], stdin: file.Content);
            check.ExitCode.ShouldBe(0, check.Output);

            // A host that holds no certificate gets no file.
            rendered.Where(h => h.Files.All(f => f.Path != CertificateExpiry.MetricsPath)).ShouldNotBeEmpty();
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}

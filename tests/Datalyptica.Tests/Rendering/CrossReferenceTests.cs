using System.Net;
using System.Text.RegularExpressions;
using Datalyptica.Components;
using Datalyptica.Contracts.Rendering;

namespace Datalyptica.Tests.Rendering;

/// <summary>Checks that hold for every rendered file of every component, whoever wrote its renderer.</summary>
public partial class CrossReferenceTests
{
    [GeneratedRegex(@"(?<![\d.])(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?:/(\d{1,2}))?(?![\d.])")]
    private static partial Regex Ipv4();

    public static TheoryData<string> Sites => new() { "development", "staging", "production", "generated-1000" };


    [Theory]
    [MemberData(nameof(Sites))]
    public void Every_address_a_file_names_is_a_host_or_VIP_of_the_site(string siteName)
    {
        var site = RenderedSites.ByName(siteName);
        var known = site.Site.Hosts.Select(h => h.Address).Concat(site.Site.Vips.Select(v => v.Address)).ToHashSet();
        var problems = new List<string>();
        foreach (var (host, file) in site.AllFiles)
        foreach (Match m in Ipv4().Matches(file.Content))
        {
            if (!IPAddress.TryParse(m.Groups[1].Value, out var address)) continue;
            var isNetwork = m.Groups[2].Success && m.Groups[2].Value != "32";
            // Loopback, wildcard and networks (CIDR with a prefix, e.g. pg_hba or nftables sets of subnets) are not host references.
            if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || isNetwork) continue;
            if (!known.Contains(address)) problems.Add($"{host.Name}:{file.Path}: {m.Value}");
        }
        problems.Take(20).ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Sites))]
    public void Secrets_appear_only_as_placeholders_for_declared_vault_variables(string siteName)
    {
        var site = RenderedSites.ByName(siteName);
        var declared = site.Site.Components.SelectMany(c => c.SecretKeys)
            .Concat(site.Site.ObjectStore is { } s ? [s.AccessKey.VarName, s.SecretKey.VarName] : [])
            // Private keys of the certificates the site's PKI issues for exactly these hosts (Pki/CertificateCatalog).
            .Concat(Datalyptica.Pki.CertificateCatalog.Required(site.Site).Select(c => Datalyptica.Model.SitePki.KeySecretName(c.Host, c.Id)))
            .ToHashSet();
        foreach (var (host, file) in site.AllFiles)
        foreach (var name in SecretPlaceholder.Find(file.Content))
            declared.ShouldContain(name, $"{host.Name}:{file.Path} uses {name}, which no deployed component declares in SecretKeys");
    }

    [Fact]
    public void Every_rendered_path_is_absolute_and_normalised()
    {
        foreach (var (host, file) in RenderedSites.Production.AllFiles)
        {
            file.Path.ShouldStartWith("/", customMessage: $"{host.Name}:{file.Path}");
            file.Path.ShouldNotContain("//");
            file.Path.ShouldNotContain("/../");
        }
    }
}

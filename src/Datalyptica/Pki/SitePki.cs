using System.Text;
using Datalyptica.Components;
using Datalyptica.Rendering;

namespace Datalyptica.Pki;

/// <summary>
/// The public half of a site's PKI, as renderers see it: the CA certificate and every issued certificate (PEM).
/// Private keys are never here: rendered key files hold a secret placeholder (<see cref="KeySecretName"/>) that
/// apply resolves from the site's vault, like every other secret.
/// </summary>
public sealed record SitePki(string CaCertificatePem, IReadOnlyDictionary<string, string> Certificates)
{
    public static string Key(string host, string id) => $"{host}/{id}";

    /// <summary>vault_pki_HOST_ID with every other character as '_' (secret placeholders allow [A-Za-z0-9_]).</summary>
    public static string KeySecretName(string host, string id)
    {
        var sb = new StringBuilder("vault_pki_");
        foreach (var c in $"{host}_{id}") sb.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        return sb.ToString();
    }

    public string? CertificateFor(string host, string id) => Certificates.GetValueOrDefault(Key(host, id));
}

/// <summary>The files a component needs for one certificate: its certificate, its key (a secret) and the site CA.</summary>
public static class TlsFiles
{
    /// <summary>Until plan or apply has issued the site's certificates, render shows where the PEM will go.</summary>
    public const string NotIssued = "# not issued yet: `datalyptica plan` or `apply` issues the site's certificates (SITE/pki)\n";

    public static IEnumerable<RenderedFile> For(RenderContext ctx, ComponentDefinition component, string id,
        string certificatePath, string keyPath, string? caPath, string group)
    {
        var pki = ctx.Site.Pki;
        yield return ctx.File(component, certificatePath, pki?.CertificateFor(ctx.Host.Name, id) ?? NotIssued);
        // Readable by the service's group only: the service reads its key, nobody else on the host does.
        yield return ctx.File(component, keyPath, SecretPlaceholder.For(SitePki.KeySecretName(ctx.Host.Name, id)) + "\n")
            with { Group = group, Mode = Modes.Private };
        if (caPath is not null) yield return ctx.File(component, caPath, pki?.CaCertificatePem ?? NotIssued);
    }

    /// <summary>One PEM with the certificate and then its key (HAProxy's crt format).</summary>
    public static RenderedFile Combined(RenderContext ctx, ComponentDefinition component, string id, string path, string group) =>
        ctx.File(component, path, (ctx.Site.Pki?.CertificateFor(ctx.Host.Name, id) ?? NotIssued)
                                  + SecretPlaceholder.For(SitePki.KeySecretName(ctx.Host.Name, id)) + "\n")
            with { Group = group, Mode = Modes.Private };
}

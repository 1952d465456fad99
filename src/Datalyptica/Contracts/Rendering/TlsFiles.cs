using Datalyptica.Model;

namespace Datalyptica.Contracts.Rendering;

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

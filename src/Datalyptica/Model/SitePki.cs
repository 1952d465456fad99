using System.Text;

namespace Datalyptica.Model;

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

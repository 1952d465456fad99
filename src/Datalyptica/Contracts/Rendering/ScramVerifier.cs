using System.Security.Cryptography;
using System.Text;

namespace Datalyptica.Contracts.Rendering;

/// <summary>
/// PostgreSQL's SCRAM-SHA-256 password verifier (RFC 5802 section 3, RFC 7677; PostgreSQL's scram_build_secret):
/// <c>SCRAM-SHA-256$4096:&lt;salt&gt;$&lt;StoredKey&gt;:&lt;ServerKey&gt;</c>, each part base64. Computed on the control node,
/// so a clear password never reaches a host: PostgreSQL stores a verifier given to CREATE/ALTER ROLE ... PASSWORD as it is.
/// </summary>
public static partial class ScramVerifier
{
    /// <summary>PostgreSQL's default scram_iterations (and the only count before PostgreSQL 16).</summary>
    public const int Iterations = 4096;
    public const int SaltBytes = 16;

    public static string Compute(string password, byte[] salt, int iterations = Iterations)
    {
        var salted = Rfc2898DeriveBytes.Pbkdf2(Prepare(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        return $"SCRAM-SHA-256${iterations}:{Convert.ToBase64String(salt)}${Convert.ToBase64String(storedKey)}:{Convert.ToBase64String(serverKey)}";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+")]
    private static partial System.Text.RegularExpressions.Regex Shape();

    /// <summary>Every verifier in <paramref name="text"/> as <c>SCRAM-SHA-256$***</c>: one a host holds for an older password has no placeholder to turn back into.</summary>
    public static string Mask(string text) => Shape().Replace(text, "SCRAM-SHA-256$***");

    /// <summary>
    /// A salt that is the same on every run for one site and role, so the rendered SQL, its hash and the plan stay stable
    /// (a random salt would make every plan rewrite every password). Unique per site and role; it is no secret (PostgreSQL
    /// shows it in pg_authid to superusers, and the plan shows it).
    /// </summary>
    public static byte[] Salt(string site, string role) =>
        SHA256.HashData(Encoding.UTF8.GetBytes($"datalyptica scram-sha-256 salt v1\n{site}\n{role}"))[..SaltBytes];

    /// <summary>
    /// The bytes PBKDF2 hashes: PostgreSQL (pg_saslprep) and libpq apply SASLprep (RFC 4013) and fall back to the raw UTF-8
    /// bytes when the password is not valid for it. Printable ASCII, which every generated secret is, is its own SASLprep.
    /// For other text: non-ASCII spaces become a space, characters "mapped to nothing" go, then NFKC; a control or
    /// private-use character left means the raw bytes, as PostgreSQL does (its bidi checks are not repeated here).
    /// </summary>
    public static byte[] Prepare(string password)
    {
        if (password.All(c => c is >= ' ' and <= '~')) return Encoding.UTF8.GetBytes(password);
        var mapped = new StringBuilder(password.Length);
        foreach (var c in password)
        {
            if (c is '\u00AD' or '\u034F' or '\u1806' or '\u180B' or '\u180C' or '\u180D' or '\u200B' or '\u200C' or '\u200D' or '\u2060'
                or (>= '\uFE00' and <= '\uFE0F') or '\uFEFF') continue;
            mapped.Append(c != ' ' && char.IsWhiteSpace(c) && c > '~' ? ' ' : c);
        }
        var normalized = mapped.ToString().Normalize(NormalizationForm.FormKC);
        if (normalized.Any(c => char.IsControl(c) || char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.PrivateUse
                or System.Globalization.UnicodeCategory.OtherNotAssigned))
            return Encoding.UTF8.GetBytes(password);
        return Encoding.UTF8.GetBytes(normalized);
    }
}

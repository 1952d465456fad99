using System.Security.Cryptography;
using System.Text;
using Datalyptica.Engine.Resources;
using Datalyptica.Secrets;

namespace Datalyptica.Engine.Planning;

/// <summary>
/// A saved plan is what apply runs as root on every host (shell steps, files filled with secrets), so `apply --plan FILE`
/// runs only a plan this site made (issue 13): <c>plan --out</c> seals it with an HMAC-SHA256 (RFC 2104) keyed from the
/// vault password and the site's name, and apply refuses a plan whose seal does not match (an edited step, path or
/// host, a plan of another site, or one saved before seals existed), and any upload to a path the render did not produce
/// for that host.
/// </summary>
/// <remarks>
/// The key is PBKDF2-HMAC-SHA256 (RFC 8018) of the vault password, salted with the site's name, 100,000 iterations. A
/// plan file is not secret, so its seal must be no easier to guess the password from than the vault files the site
/// already holds (Ansible Vault: PBKDF2-SHA256, 10,000 iterations). The key never leaves this class as text.
/// The seal covers the plan as apply reads it (the JSON re-written from the parsed plan, without the seal), so what is
/// checked is exactly what runs.
/// </remarks>
public static class PlanSeal
{
    public const int Iterations = 100_000;
    private const string Purpose = "datalyptica plan seal v1\0";

    /// <summary>The sealing key for a site; 32 bytes.</summary>
    public static byte[] Key(Secret vaultPassword, string siteName) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(vaultPassword.Reveal()), Encoding.UTF8.GetBytes(Purpose + siteName), Iterations, HashAlgorithmName.SHA256, 32);

    /// <summary>The plan with its seal set.</summary>
    public static Plan Seal(Plan plan, byte[] key) => plan with { Mac = Compute(plan, key) };

    /// <summary>
    /// Null when <paramref name="plan"/> is sealed with <paramref name="key"/> and uploads only to paths the site renders
    /// for each host (<paramref name="desired"/>); otherwise the refusal, with the fix.
    /// </summary>
    public static string? Check(Plan plan, byte[] key, string siteName, IReadOnlyList<HostDesiredState> desired, string file)
    {
        const string again = "Fix: make the plan again with `datalyptica plan SITE --out FILE`, review it, then `apply --plan FILE`.";
        if (plan.Mac is null)
            return $"the plan {file} carries no seal (MAC), so it cannot be shown to come from this site unedited. {again}";
        if (!CryptographicOperations.FixedTimeEquals(Convert.FromHexString(IsHex(plan.Mac) ? plan.Mac : ""), Convert.FromHexString(Compute(plan, key))))
            return $"the plan {file} does not match its seal (MAC): it was edited after `plan --out`, or made for another site or with another vault password" +
                   $"{(plan.Site == siteName ? "" : $" (it names site '{plan.Site}', this is '{siteName}')")}. Nothing was applied. {again}";
        var byHost = desired.ToDictionary(h => h.Host, h => AllowedUploads(h, plan.Root), StringComparer.Ordinal);
        foreach (var host in plan.Hosts)
        {
            if (!byHost.TryGetValue(host.Host, out var allowed))
                return $"the plan {file} names host '{host.Host}', which is not in this site. {again}";
            foreach (var step in host.Changes.SelectMany(c => c.Steps).Where(s => s.Kind is StepKind.Upload or StepKind.UploadArtifact))
                if (!allowed.Contains(step.Target))
                    return $"the plan {file} uploads to {step.Target} on '{host.Host}', a path the site does not render for that host. Nothing was applied. {again}";
        }
        return null;
    }

    /// <summary>Where apply may write on a host: every rendered file, and every artifact's download name.</summary>
    public static IReadOnlySet<string> AllowedUploads(HostDesiredState host, string root) =>
        host.Resources.Select(r => r.Resource).SelectMany(r => r switch
        {
            FileResource f => [root + f.Path],
            ArtifactResource a => [a.ArchivePath(root)],
            _ => Array.Empty<string>(),
        }).ToHashSet(StringComparer.Ordinal);

    private static bool IsHex(string s) => s.Length == 64 && s.All(char.IsAsciiHexDigit);

    private static string Compute(Plan plan, byte[] key) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(PlanJson.Write(plan with { Mac = null }))));
}

namespace Datalyptica.Secrets;

/// <summary>What went wrong with vault data or the vault password, so callers can name it with the right finding.</summary>
public enum VaultProblem
{
    /// <summary>Malformed vault data, non-UTF-8 plaintext, or another failure.</summary>
    Other,
    /// <summary>The password does not open the data (its HMAC does not match).</summary>
    WrongPassword,
    /// <summary>No password source is configured.</summary>
    NoPassword,
    /// <summary>A password source is configured but yields no password: a missing, unreadable or empty file, a failing script, no terminal.</summary>
    PasswordUnavailable,
    /// <summary>The value opens but holds a line break or another control character (refused as a secret: DL608).</summary>
    UnsafeText,
    /// <summary>A password file found through the site (SITE/.vault-password, ansible.cfg) that is not safe to read (docs/SECURITY.md).</summary>
    PasswordFileUnsafe,
}

/// <summary>
/// Ansible Vault data could not be read or written, or no vault password is available.
/// Messages name the source (file, variable) but never contain plaintext or the password.
/// </summary>
public sealed class VaultException : Exception
{
    public VaultException(string message, string? sourceName = null, Exception? innerException = null)
        : base(message, innerException) => SourceName = sourceName;

    public VaultException(VaultProblem problem, string message, string? sourceName = null, Exception? innerException = null)
        : base(message, innerException)
    {
        SourceName = sourceName;
        Problem = problem;
    }

    /// <summary>The file or variable the failing vault data or password came from, when known.</summary>
    public string? SourceName { get; }

    public VaultProblem Problem { get; }
}

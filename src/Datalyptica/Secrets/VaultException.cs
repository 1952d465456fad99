namespace Datalyptica.Secrets;

/// <summary>
/// Ansible Vault data could not be read or written, or no vault password is available.
/// Messages name the source (file, variable) but never contain plaintext or the password.
/// </summary>
public sealed class VaultException : Exception
{
    public VaultException(string message, string? sourceName = null, Exception? innerException = null)
        : base(message, innerException) => SourceName = sourceName;

    /// <summary>The file or variable the failing vault data or password came from, when known.</summary>
    public string? SourceName { get; }
}

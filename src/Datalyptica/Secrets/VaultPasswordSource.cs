using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Datalyptica.Secrets;

/// <summary>
/// Finds the vault password, in this order:
/// <list type="number">
/// <item><c>--vault-password-file PATH</c> given on the command line,</item>
/// <item>environment variable <c>DATALYPTICA_VAULT_PASSWORD</c> (the password itself),</item>
/// <item>environment variable <c>ANSIBLE_VAULT_PASSWORD_FILE</c> (a path).</item>
/// </list>
/// Password files behave as in Ansible: an executable file is run (no arguments; a name ending in
/// <c>-client</c> gets <c>--vault-id default</c>) and its stdout with trailing CR/LF removed is the
/// password; otherwise the file content with surrounding whitespace removed is the password.
/// </summary>
public sealed class VaultPasswordSource
{
    public const string PasswordEnvironmentVariable = "DATALYPTICA_VAULT_PASSWORD";
    public const string PasswordFileEnvironmentVariable = "ANSIBLE_VAULT_PASSWORD_FILE";

    // Python's bytes.strip() set, which Ansible applies to password files.
    private static readonly char[] AsciiWhitespace = [' ', '\t', '\n', '\r', '\v', '\f'];

    private readonly string? _passwordFile;
    private readonly Func<string, string?> _environment;

    /// <param name="passwordFile">The value of <c>--vault-password-file</c>, if given.</param>
    /// <param name="environment">Environment lookup (tests pass a dictionary); defaults to the process environment.</param>
    public VaultPasswordSource(string? passwordFile = null, Func<string, string?>? environment = null)
    {
        _passwordFile = string.IsNullOrWhiteSpace(passwordFile) ? null : passwordFile;
        _environment = environment ?? Environment.GetEnvironmentVariable;
    }

    /// <summary>Whether any source is configured (without reading it).</summary>
    public bool IsConfigured => Describe() is not null;

    /// <summary>Human-readable name of the source that would be used, or null when none is configured.</summary>
    public string? Describe()
    {
        if (_passwordFile is not null) return $"--vault-password-file {_passwordFile}";
        if (!string.IsNullOrEmpty(_environment(PasswordEnvironmentVariable))) return PasswordEnvironmentVariable;
        var file = _environment(PasswordFileEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(file)) return $"{PasswordFileEnvironmentVariable}={file}";
        return null;
    }

    /// <summary>
    /// Returns the vault password.
    /// </summary>
    /// <param name="neededFor">The file with encrypted values that needs the password; named in the error.</param>
    /// <exception cref="VaultException">No source is configured, or the configured one fails or yields an empty password.</exception>
    public Secret Resolve(string neededFor = "group_vars/all/vault.yml")
    {
        if (_passwordFile is not null) return ReadPasswordFile(_passwordFile, "--vault-password-file");

        var direct = _environment(PasswordEnvironmentVariable);
        if (!string.IsNullOrEmpty(direct)) return new Secret(direct);

        var file = _environment(PasswordFileEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(file)) return ReadPasswordFile(file, PasswordFileEnvironmentVariable);

        throw new VaultException(
            $"this site has encrypted values in {neededFor}; give --vault-password-file or set {PasswordEnvironmentVariable}",
            neededFor);
    }

    private static Secret ReadPasswordFile(string path, string origin)
    {
        path = ExpandHome(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new VaultException($"The vault password file {path} (from {origin}) was not found.", path);

        string password;
        if (IsExecutable(full))
        {
            password = RunScript(full, path).TrimEnd('\r', '\n');
            if (password.Length == 0)
                throw new VaultException($"The vault password script {path} printed an empty password.", path);
        }
        else
        {
            string content;
            try { content = File.ReadAllText(full, new UTF8Encoding(false, throwOnInvalidBytes: true)); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException)
            {
                // DecoderFallbackException messages quote bytes of the file, so only its type is kept.
                var why = e is DecoderFallbackException ? "it is not UTF-8 text" : e.Message;
                throw new VaultException($"Cannot read the vault password file {path}: {why}", path);
            }
            password = content.Trim(AsciiWhitespace);
            if (AnsibleVault.IsVaultText(password))
                throw new VaultException($"The vault password file {path} is itself vault-encrypted; that is not supported.", path);
            if (password.Length == 0)
                throw new VaultException($"The vault password file {path} is empty.", path);
        }
        return new Secret(password);
    }

    private static string RunScript(string fullPath, string shownPath)
    {
        var psi = new ProcessStartInfo(fullPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = false, // like Ansible: the script may prompt on stderr
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
        };
        if (Path.GetFileNameWithoutExtension(fullPath).EndsWith("-client", StringComparison.Ordinal))
        {
            psi.ArgumentList.Add("--vault-id");
            psi.ArgumentList.Add("default");
        }

        Process process;
        try { process = Process.Start(psi) ?? throw new Win32Exception("no process started"); }
        catch (Win32Exception e)
        {
            throw new VaultException(
                $"Problem running vault password script {shownPath} ({e.Message}). If this is not a script, remove the executable bit from the file.",
                shownPath, e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new VaultException($"The vault password script {shownPath} exited with code {process.ExitCode}.", shownPath);
            return stdout;
        }
    }

    private static bool IsExecutable(string path)
    {
        if (OperatingSystem.IsWindows()) return false;
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(path) & anyExecute) != 0;
    }

    private static string ExpandHome(string path)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
            return Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[1..].TrimStart('/'));
        return path;
    }
}

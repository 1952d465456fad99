using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Datalyptica.IO;

namespace Datalyptica.Secrets;

/// <summary>
/// Finds the vault password: the first source that is configured is used, and a configured source that fails is an error,
/// never a reason to try the next. The order, with the site's own sources (<see cref="ForSite"/>):
/// <list type="number">
/// <item><c>--vault-password-file PATH</c> or <c>--ask-vault-pass</c> (a terminal prompt) given on the command line,</item>
/// <item>environment variable <c>DATALYPTICA_VAULT_PASSWORD</c> (the password itself),</item>
/// <item>environment variable <c>ANSIBLE_VAULT_PASSWORD_FILE</c> (a path),</item>
/// <item><c>vault_password_file</c> in the <c>[defaults]</c> of <c>SITE/ansible.cfg</c>; Ansible's environment variable wins over
/// its ini key (https://docs.ansible.com/ansible/latest/reference_appendices/config.html#default-vault-password-file),</item>
/// <item><c>SITE/.vault-password</c>.</item>
/// </list>
/// Password files given by the user (the option, <c>ANSIBLE_VAULT_PASSWORD_FILE</c>) behave as in Ansible: an executable file
/// is run (no arguments; a name ending in <c>-client</c> gets <c>--vault-id default</c>) and its stdout with trailing CR/LF
/// removed is the password; otherwise the file content with surrounding whitespace removed is the password. A file found
/// through the site (the last two) is never run: it must be a regular file, not a symbolic link, owned by this user, with no
/// permission for group or others and no execute bit (docs/SECURITY.md).
/// </summary>
public sealed class VaultPasswordSource
{
    public const string PasswordEnvironmentVariable = "DATALYPTICA_VAULT_PASSWORD";
    public const string PasswordFileEnvironmentVariable = "ANSIBLE_VAULT_PASSWORD_FILE";

    // Python's bytes.strip() set, which Ansible applies to password files.
    private static readonly char[] AsciiWhitespace = [' ', '\t', '\n', '\r', '\v', '\f'];

    /// <summary>One place a password may come from: how to name it in messages, and how to read it.</summary>
    public sealed record Candidate(string Description, Func<Secret> Read);

    private readonly Candidate? _chosen;

    /// <param name="passwordFile">The value of <c>--vault-password-file</c>, if given.</param>
    /// <param name="environment">Environment lookup (tests pass a dictionary); defaults to the process environment.</param>
    /// <param name="prompt">Set for <c>--ask-vault-pass</c>: asks the user (the CLI reads the terminal without echo).</param>
    public VaultPasswordSource(string? passwordFile = null, Func<string, string?>? environment = null, Func<Secret>? prompt = null)
        : this(UserSources(passwordFile, environment ?? Environment.GetEnvironmentVariable, prompt))
    {
    }

    /// <summary>The first non-null candidate is the source.</summary>
    public VaultPasswordSource(IEnumerable<Candidate?> candidates) => _chosen = candidates.FirstOrDefault(c => c is not null);

    /// <summary>
    /// The sources for a site: the user's (<paramref name="passwordFile"/>, <paramref name="prompt"/>, the environment), then
    /// <c>vault_password_file</c> of <paramref name="ansibleConfigPasswordFile"/> (already read from SITE/ansible.cfg), then the
    /// site's own <paramref name="sitePasswordFile"/> when it exists.
    /// </summary>
    /// <param name="ansibleConfigPasswordFile">Reads SITE/ansible.cfg; called only when no source before it is configured.</param>
    /// <param name="sitePasswordFile">SITE/.vault-password (full path) and how messages name it.</param>
    public static VaultPasswordSource ForSite(string? passwordFile, Func<string, string?>? environment, Func<Secret>? prompt,
        Func<Candidate?> ansibleConfigPasswordFile, (string Path, string Shown) sitePasswordFile)
    {
        IEnumerable<Candidate?> Ordered()
        {
            foreach (var c in UserSources(passwordFile, environment ?? Environment.GetEnvironmentVariable, prompt)) yield return c;
            yield return ansibleConfigPasswordFile();
            if (UnixFile.LinkStatus(sitePasswordFile.Path) is not null) yield return SiteFile(sitePasswordFile.Path, sitePasswordFile.Shown);
        }
        return new VaultPasswordSource(Ordered());
    }

    private static IEnumerable<Candidate?> UserSources(string? passwordFile, Func<string, string?> environment, Func<Secret>? prompt)
    {
        passwordFile = string.IsNullOrWhiteSpace(passwordFile) ? null : passwordFile;
        if (passwordFile is not null && prompt is not null)
            yield return new Candidate("--vault-password-file and --ask-vault-pass", () => throw new VaultException(VaultProblem.PasswordUnavailable,
                "give either --vault-password-file or --ask-vault-pass, not both."));
        if (passwordFile is not null) yield return new Candidate($"--vault-password-file {passwordFile}", () => ReadPasswordFile(passwordFile, "--vault-password-file"));
        if (prompt is not null) yield return new Candidate("--ask-vault-pass", () => NotEmpty(prompt(), "--ask-vault-pass"));
        var direct = environment(PasswordEnvironmentVariable);
        if (!string.IsNullOrEmpty(direct)) yield return new Candidate(PasswordEnvironmentVariable, () => new Secret(direct));
        var file = environment(PasswordFileEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(file))
            yield return new Candidate($"{PasswordFileEnvironmentVariable}={file}", () => ReadPasswordFile(file, PasswordFileEnvironmentVariable));
    }

    /// <summary>
    /// A password file the site names (its .vault-password, or ansible.cfg's vault_password_file): read, never run, and only
    /// when it is a regular file (not a link), owned by this user, readable by nobody else and not executable.
    /// </summary>
    /// <param name="shown">The file as messages name it.</param>
    public static Candidate SiteFile(string path, string shown, string? origin = null) =>
        new(origin is null ? shown : $"{shown} (from {origin})", () => ReadSiteFile(path, shown, origin));

    /// <summary>Whether any source is configured (without reading it).</summary>
    public bool IsConfigured => _chosen is not null;

    /// <summary>Human-readable name of the source that would be used, or null when none is configured.</summary>
    public string? Describe() => _chosen?.Description;

    /// <summary>
    /// Returns the vault password.
    /// </summary>
    /// <param name="neededFor">The file with encrypted values that needs the password; named in the error.</param>
    /// <exception cref="VaultException">No source is configured, or the configured one fails or yields an empty password.</exception>
    public Secret Resolve(string neededFor = "group_vars/all/vault.yml")
    {
        if (_chosen is not null) return _chosen.Read();
        throw new VaultException(VaultProblem.NoPassword,
            $"this site has encrypted values in {neededFor}; give --vault-password-file or set {PasswordEnvironmentVariable}",
            neededFor);
    }

    private static Secret NotEmpty(Secret password, string origin) =>
        password.Reveal().Length > 0 ? password : throw new VaultException(VaultProblem.PasswordUnavailable, $"the vault password from {origin} is empty.", origin);

    private static Secret ReadPasswordFile(string path, string origin)
    {
        path = ExpandHome(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new VaultException(VaultProblem.PasswordUnavailable,
                $"the vault password file {path} (from {origin}) does not exist. Fix: give the path of an existing file (absolute, or relative to the current folder {Environment.CurrentDirectory}).", path);

        if (IsExecutable(full))
        {
            var password = RunScript(full, path).TrimEnd('\r', '\n');
            if (password.Length == 0)
                throw new VaultException(VaultProblem.PasswordUnavailable, $"The vault password script {path} printed an empty password.", path);
            return new Secret(password);
        }
        return ReadContent(full, path);
    }

    private static Secret ReadSiteFile(string path, string shown, string? origin)
    {
        VaultException Unsafe(string why, string fix) => new(VaultProblem.PasswordFileUnsafe,
            $"the vault password file {shown}{(origin is null ? "" : $" (from {origin})")} {why}; it was not read. Fix: {fix}", shown);

        path = ExpandHome(path);
        var status = UnixFile.LinkStatus(path)
            ?? throw new VaultException(VaultProblem.PasswordUnavailable,
                $"the vault password file {shown}{(origin is null ? "" : $" (from {origin})")} does not exist. Fix: create it (mode 0600) or correct the path.", shown);
        if (status.Kind == UnixFileKind.SymbolicLink)
            throw Unsafe("is a symbolic link", $"replace the link with the file itself (cp --remove-destination \"$(readlink -f {shown})\" {shown}), or give the file with --vault-password-file.");
        if (status.Kind != UnixFileKind.Regular)
            throw Unsafe("is not a regular file", "make it a plain file holding the password.");
        if (status.OwnerId != UnixFile.EffectiveUserId)
            throw Unsafe($"belongs to user id {status.OwnerId}, not to you (user id {UnixFile.EffectiveUserId})",
                $"take it over (chown $(id -u) {shown}), or give the file with --vault-password-file.");
        const UnixFileMode notOwnerReadWrite = (UnixFileMode)0xFFF & ~(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if ((status.Mode & notOwnerReadWrite) != 0)
            throw Unsafe(
                (status.Mode & (UnixFileMode)0b001_001_001) != 0
                    ? $"is executable (mode {Octal(status.Mode)}); datalyptica never runs a file found in the site"
                    : $"can be read or written by others (mode {Octal(status.Mode)})",
                $"chmod 600 {shown}. A password script must be given explicitly with --vault-password-file.");
        var password = ReadContent(path, shown);
        // The file read must be the one checked: refuse when it was swapped between the check and the read.
        if (UnixFile.LinkStatus(path) is not { } after || after.Inode != status.Inode || after.Device != status.Device || after.Kind != UnixFileKind.Regular)
            throw Unsafe("changed while it was being read", "run again.");
        return password;
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0xFFF, 8);

    private static Secret ReadContent(string full, string shown)
    {
        string content;
        try { content = File.ReadAllText(full, new UTF8Encoding(false, throwOnInvalidBytes: true)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            // DecoderFallbackException messages quote bytes of the file, so only its type is kept.
            var why = e is DecoderFallbackException ? "it is not UTF-8 text" : e.Message;
            throw new VaultException(VaultProblem.PasswordUnavailable, $"Cannot read the vault password file {shown}: {why}", shown);
        }
        var password = content.Trim(AsciiWhitespace);
        if (AnsibleVault.IsVaultText(password))
            throw new VaultException(VaultProblem.PasswordUnavailable, $"The vault password file {shown} is itself vault-encrypted; that is not supported.", shown);
        if (password.Length == 0)
            throw new VaultException(VaultProblem.PasswordUnavailable, $"The vault password file {shown} is empty.", shown);
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
            throw new VaultException(VaultProblem.PasswordUnavailable,
                $"Problem running vault password script {shownPath} ({e.Message}). If this is not a script, remove the executable bit from the file.",
                shownPath, e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new VaultException(VaultProblem.PasswordUnavailable, $"The vault password script {shownPath} exited with code {process.ExitCode}.", shownPath);
            return stdout;
        }
    }

    private static bool IsExecutable(string path)
    {
        if (OperatingSystem.IsWindows()) return false;
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(path) & anyExecute) != 0;
    }

    internal static string ExpandHome(string path)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
            return Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[1..].TrimStart('/'));
        return path;
    }
}

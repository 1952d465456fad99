using System.Text;

namespace Datalyptica.Cli.Daemon;

/// <summary>
/// Where the daemon listens and what it serves. One daemon per user, build and environment: the socket's name is a hash
/// of the binaries beside this program (a rebuilt or upgraded tool never talks to an old daemon) and of the environment
/// the commands read (DATALYPTICA_*, ANSIBLE_*, HOME, PATH, TERM, NO_COLOR), so a daemon only ever runs commands in the
/// environment its clients have. The socket lives in a directory only this user can open (mode 0700), like OpenSSH's
/// ControlPath, checked with lstat for owner and mode; the daemon also checks every client's uid (SO_PEERCRED).
/// </summary>
internal static class DaemonEndpoint
{
    /// <summary>Set to 0, off, false or no to run every command in its own process, without the daemon.</summary>
    public const string SwitchVariable = "DATALYPTICA_DAEMON";

    /// <summary>Read-only commands, so a daemon that dies mid-run can never leave a host half-changed.</summary>
    public static readonly string[] ServedCommands = ["verify", "plan"];

    public static bool Enabled => Environment.GetEnvironmentVariable(SwitchVariable)?.ToLowerInvariant() is not ("0" or "off" or "false" or "no");

    // --ask-vault-pass prompts on this process's terminal, which the daemon does not have.
    /// <remarks>Not with -v/--verbose: the trace measures this process's own run from its start.</remarks>
    public static bool Serves(string[] args) => args.Length > 0 && Array.IndexOf(ServedCommands, args[0]) >= 0 && Enabled &&
        !args.Contains("--ask-vault-pass") && !args.Contains("-v") && !args.Contains("--verbose");

    /// <summary>This user's private socket directory (created 0700), or null when none can be made safely.</summary>
    public static string? PrivateDirectory()
    {
        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        var directory = !string.IsNullOrEmpty(runtime) ? Path.Combine(runtime, "datalyptica")
            : Environment.UserName == "root" ? "/run/datalyptica"
            : Path.Combine(Path.GetTempPath(), $"datalyptica-{Environment.UserName}");
        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        try
        {
            Directory.CreateDirectory(directory, Private);
            return IsPrivate(directory) ? directory : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// A real folder (lstat: not a link), owned by this user, mode 0700 (issue 13: the mode alone let another user's
    /// pre-made /tmp/datalyptica-USER, or a link to one, pass). Anything else: no daemon, the run happens in-process.
    /// </summary>
    public static bool IsPrivate(string directory) =>
        UnixPeer.Lstat(directory) is { IsLink: false, IsDirectory: true } s && s.Uid == UnixPeer.EffectiveUid && s.Mode == Convert.ToUInt32("700", 8);

    public static string SocketPath(string directory) => Path.Combine(directory, $"{BuildAndEnvironmentKey():x16}.sock");

    public static string LogPath(string directory) => Path.Combine(directory, "daemon.log");

    /// <summary>Removes a socket file (a dead daemon's, or our own on exit); one already gone is fine.</summary>
    public static void RemoveSocket(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* the next start reports a real problem */ }
    }

    private static ulong BuildAndEnvironmentKey()
    {
        var text = new StringBuilder(Environment.ProcessPath).Append('\n');
        // A single-file build has no DLL beside it: the executable itself says which build this is.
        if (Environment.ProcessPath is { } self && File.Exists(self))
            text.Append(new FileInfo(self).Length).Append(':').Append(File.GetLastWriteTimeUtc(self).Ticks).Append('\n');
        foreach (var dll in Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll").Order(StringComparer.Ordinal))
        {
            var file = new FileInfo(dll);
            text.Append(file.Name).Append(':').Append(file.Length).Append(':').Append(file.LastWriteTimeUtc.Ticks).Append('\n');
        }
        var variables = Environment.GetEnvironmentVariables();
        foreach (var name in variables.Keys.Cast<string>().Where(Relevant).Order(StringComparer.Ordinal))
            text.Append(name).Append('=').Append(variables[name]).Append('\n');
        return Fnv1a(text.ToString());
    }

    /// <summary>
    /// Variables that hold a secret: never in the socket's name (a hash of them is an offline guessing oracle for every
    /// local user who can list the folder or read the daemon's argv), never in the daemon's environment; a client sends
    /// the password with each request instead (<see cref="RunRequest.VaultPassword"/>).
    /// </summary>
    public static readonly string[] SecretVariables = ["DATALYPTICA_VAULT_PASSWORD"];

    private static bool Relevant(string name) => name != SwitchVariable && !SecretVariables.Contains(name) &&
        (name.StartsWith("DATALYPTICA_", StringComparison.Ordinal) || name.StartsWith("ANSIBLE_", StringComparison.Ordinal) ||
         name is "HOME" or "PATH" or "TERM" or "NO_COLOR" or "COLORTERM");

    // A cache key, not a secret: FNV-1a keeps the client from loading the crypto stack (~10 ms) just to name a file.
    private static ulong Fnv1a(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text)) hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }
}

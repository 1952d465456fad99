using Datalyptica.Contracts.Hosts;
namespace Datalyptica.Engine.Transport;

/// <summary>
/// How every transport turns a <see cref="RemoteCommand"/> into the text the host runs, so SSH and local
/// runs behave the same whatever the user's login shell is (bash, zsh, fish).
/// </summary>
public static class ShellWrapping
{
    /// <summary>
    /// <c>sh -c '&lt;raw&gt;'</c>, or <c>sudo -n -- sh -c '&lt;raw&gt;'</c> when <paramref name="become"/> is set and
    /// <paramref name="user"/> is not root.
    /// </summary>
    /// <remarks>
    /// Why <c>-n</c>: there is no terminal and we never send a password, so a sudo that wants one would
    /// either wait until the command timeout or read the command's own stdin as the password. With
    /// <c>-n</c> it fails at once with "a password is required", which <see cref="ThrowIfSudoRefused"/>
    /// turns into an error with the fix. <c>--</c> ends sudo's options so nothing in the command is read as one.
    /// </remarks>
    /// <param name="hostSideTimeout">
    /// When set, the host itself enforces the limit with coreutils' <c>timeout -k 5 N</c>, which signals the
    /// command's whole process group and exits 124. Over SSH this is the only reliable kill: OpenSSH before 9.8
    /// refuses "signal" channel requests ("session signalling requires privilege separation"), and closing the
    /// channel does not stop a command that is not writing. It also ends the command if the connection dies.
    /// Inside sudo, so it runs as root and can kill what root started.
    /// </param>
    public static string Wrap(string rawCommand, bool become, string user, TimeSpan? hostSideTimeout = null)
    {
        var shell = "sh -c " + RemoteCommand.Quote(rawCommand);
        if (hostSideTimeout is { } limit)
            shell = $"timeout -k {KillGraceSeconds} {Seconds(limit)} {shell}";
        return NeedsSudo(become, user) ? "sudo -n -- " + shell : shell;
    }

    /// <summary>Seconds between timeout's TERM and its KILL for a command that ignores TERM.</summary>
    public const int KillGraceSeconds = 5;

    /// <summary>The exit code coreutils' timeout returns when it stopped the command.</summary>
    public const int TimeoutExitCode = 124;

    private static string Seconds(TimeSpan limit) =>
        Math.Max(0.001, limit.TotalSeconds).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    public static bool NeedsSudo(bool become, string user) => become && user != "root";

    /// <summary>Raises a clear error when sudo itself refused (not when the command failed).</summary>
    public static void ThrowIfSudoRefused(HostConnection host, RemoteCommand command, CommandResult result)
    {
        if (!NeedsSudo(host.Become, host.User)) return;
        if (result.ExitCode == 127 && result.Stderr.Contains("sudo", StringComparison.Ordinal) && result.Stderr.Contains("not found", StringComparison.Ordinal))
            throw new TransportException(host.HostName,
                $"sudo is not installed on host '{host.HostName}', so `{command.Display}` cannot run as root for user '{host.User}'. " +
                "Fix: install sudo there (apt-get install sudo) with passwordless sudo for that user, or connect as root.");
        if (result.ExitCode != 1) return;
        // sshd may print its own lines first (e.g. "Could not chdir to home directory"), so look at every line.
        var refusal = result.Stderr.Split('\n').FirstOrDefault(line => line.StartsWith("sudo: ", StringComparison.Ordinal)
            && (line.Contains("password is required", StringComparison.Ordinal)
                || line.Contains("not in the sudoers", StringComparison.Ordinal)
                || line.Contains("not allowed to execute", StringComparison.Ordinal)));
        if (refusal is not null)
        {
            var stderr = refusal;
            throw new TransportException(host.HostName,
                $"sudo refused to run `{command.Display}` as root for user '{host.User}' on host '{host.HostName}': " +
                $"{command.MaskSecrets(stderr.Trim())}. Fix: install sudo and give '{host.User}' passwordless sudo on that host " +
                $"(e.g. '{host.User} ALL=(ALL) NOPASSWD: ALL' in /etc/sudoers.d/), or connect as root.");
        }
    }
}

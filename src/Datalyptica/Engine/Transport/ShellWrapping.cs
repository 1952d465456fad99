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
    public static string Wrap(string rawCommand, bool become, string user)
    {
        var shell = "sh -c " + RemoteCommand.Quote(rawCommand);
        return NeedsSudo(become, user) ? "sudo -n -- " + shell : shell;
    }

    public static bool NeedsSudo(bool become, string user) => become && user != "root";

    /// <summary>Raises a clear error when sudo itself refused (not when the command failed).</summary>
    public static void ThrowIfSudoRefused(HostConnection host, RemoteCommand command, CommandResult result)
    {
        if (!NeedsSudo(host.Become, host.User) || result.ExitCode != 1) return;
        var stderr = result.Stderr;
        if (!stderr.StartsWith("sudo: ", StringComparison.Ordinal)) return;
        if (stderr.Contains("password is required", StringComparison.Ordinal)
            || stderr.Contains("not in the sudoers", StringComparison.Ordinal)
            || stderr.Contains("not allowed to execute", StringComparison.Ordinal)
            || stderr.Contains("command not found", StringComparison.Ordinal))
        {
            throw new TransportException(host.HostName,
                $"sudo refused to run `{command.Display}` as root for user '{host.User}' on host '{host.HostName}': " +
                $"{command.MaskSecrets(stderr.Trim())}. Fix: install sudo and give '{host.User}' passwordless sudo on that host " +
                $"(e.g. '{host.User} ALL=(ALL) NOPASSWD: ALL' in /etc/sudoers.d/), or connect as root.");
        }
    }
}

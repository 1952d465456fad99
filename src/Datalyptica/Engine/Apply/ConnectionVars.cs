using Datalyptica.Model;

namespace Datalyptica.Engine.Apply;

/// <summary>A connection variable of Ansible's that datalyptica cannot honour as written, with the way to fix it.</summary>
public sealed record ConnectionVarProblem(string Key, string Message, string Fix);

/// <summary>A host's connection variables cannot be honoured (validate names them first: DL567).</summary>
public sealed class ConnectionVarException(string message) : FormatException(message);

/// <summary>
/// Ansible's connection variables beyond address, port, user, key and jump host, read the way Ansible reads them
/// (docs.ansible.com, "Connecting to hosts: behavioral inventory parameters" and "Understanding privilege escalation"):
/// `ansible_become` is Ansible's boolean (yes/no, true/false, on/off, 1/0, y/n, t/f in any case: an INI inventory gives
/// the text), and what datalyptica does not do is refused by name instead of being ignored: it becomes root with
/// `sudo -n` only, authenticates with keys only, and connects over SSH only.
/// </summary>
public static class ConnectionVars
{
    private static readonly string[] PasswordKeys = ["ansible_password", "ansible_ssh_pass", "ansible_ssh_password"];
    private static readonly string[] BecomePasswordKeys = ["ansible_become_password", "ansible_become_pass", "ansible_sudo_pass", "ansible_sudo_password"];
    private static readonly string[] SshConnections = ["ssh", "smart", "paramiko"];

    /// <summary>Ansible's boolean reading of a value; null when it is not one.</summary>
    public static bool? AnsibleBoolean(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "y" or "yes" or "on" or "1" or "true" or "t" or "1.0" => true,
        "n" or "no" or "off" or "0" or "false" or "f" or "0.0" => false,
        _ => null,
    };

    /// <summary>Whether commands run through sudo on the host (false when unset).</summary>
    public static bool Become(Host host) =>
        host.Vars.GetValueOrDefault("ansible_become")?.AsString() is not { } text ? false
        : AnsibleBoolean(text) ?? throw new ConnectionVarException(NotABoolean(host, text).Message);

    public static IReadOnlyList<ConnectionVarProblem> Check(Host host)
    {
        string? Var(string key) => host.Vars.GetValueOrDefault(key)?.AsString();
        var problems = new List<ConnectionVarProblem>();
        if (Var("ansible_become") is { } become && AnsibleBoolean(become) is null) problems.Add(NotABoolean(host, become));
        if (Var("ansible_become_method") is { } method && method != "sudo")
            problems.Add(new("ansible_become_method", $"{host.Name}: ansible_become_method is '{Clip(method)}'; datalyptica becomes root with sudo only",
                "give the connection user passwordless sudo and remove ansible_become_method (or set it to sudo)."));
        if (Var("ansible_become_user") is { } user && user != "root")
            problems.Add(new("ansible_become_user", $"{host.Name}: ansible_become_user is '{Clip(user)}'; datalyptica installs as root, so it becomes root only",
                "remove ansible_become_user (or set it to root)."));
        foreach (var key in BecomePasswordKeys.Where(host.Vars.ContainsKey))
            problems.Add(new(key, $"{host.Name}: {key} is set; datalyptica runs sudo non-interactively (sudo -n), so a sudo password is never typed",
                "allow the connection user sudo without a password (a sudoers.d line: USER ALL=(root) NOPASSWD: ALL), or connect as root; then remove it."));
        foreach (var key in PasswordKeys.Where(host.Vars.ContainsKey))
            problems.Add(new(key, $"{host.Name}: {key} is set; datalyptica logs in with SSH keys only",
                "install the control node's public key for the connection user and set ansible_ssh_private_key_file; then remove it."));
        if (Var("ansible_connection") is { } connection && !SshConnections.Contains(connection))
            problems.Add(new("ansible_connection", $"{host.Name}: ansible_connection is '{Clip(connection)}'; datalyptica reaches hosts over SSH only",
                "remove ansible_connection (or set it to ssh)."));
        return problems;
    }

    private static ConnectionVarProblem NotABoolean(Host host, string become) =>
        new("ansible_become", $"{host.Name}: ansible_become is '{Clip(become)}', which is not a boolean",
            "set ansible_become: true (or false); Ansible's yes/no, on/off and 1/0 are read the same.");

    private static string Clip(string text) => text.Length > 60 ? text[..60] + "…" : text;
}

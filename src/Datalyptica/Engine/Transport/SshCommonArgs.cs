using Datalyptica.Contracts.Hosts;
using Datalyptica.Inventory;

namespace Datalyptica.Engine.Transport;

/// <summary>
/// The part of an inventory's <c>ansible_ssh_common_args</c> / <c>ansible_ssh_extra_args</c> that datalyptica honours:
/// a jump host (<c>-J [user@]host[:port]</c>, <c>-o ProxyJump=...</c>), the way Ansible users reach hosts behind a
/// bastion. The arguments are split as Ansible splits them (shlex). Host keys and known_hosts come from datalyptica's own
/// options (strict, site known_hosts), so <c>StrictHostKeyChecking</c> and <c>UserKnownHostsFile</c> there are not needed.
/// </summary>
public static class SshCommonArgs
{
    /// <summary>The jump host the arguments name, or null; refused when they name a chain or a form we cannot follow.</summary>
    /// <param name="defaultUser">The user when the jump names none (the host's ansible_user).</param>
    /// <param name="privateKeyFile">The key to log in to the jump host with (the host's own).</param>
    public static HostConnection? JumpHost(string? args, string defaultUser, string? privateKeyFile)
    {
        if (string.IsNullOrWhiteSpace(args)) return null;
        IReadOnlyList<string> words;
        try { words = IniSyntax.ShlexSplit(args); }
        catch (FormatException e) { throw new FormatException($"ansible_ssh_common_args cannot be split ({e.Message}): {args}"); }
        string? spec = null;
        for (var i = 0; i < words.Count; i++)
        {
            var w = words[i];
            var value = w == "-J" && i + 1 < words.Count ? words[++i] : w.StartsWith("-J", StringComparison.Ordinal) && w.Length > 2 ? w[2..] : null;
            var option = w == "-o" && i + 1 < words.Count ? words[++i] : w.StartsWith("-o", StringComparison.Ordinal) && w.Length > 2 ? w[2..] : null;
            if (option is not null)
            {
                if (option.StartsWith("ProxyCommand", StringComparison.OrdinalIgnoreCase))
                    throw new FormatException("ansible_ssh_common_args sets ProxyCommand, which datalyptica does not run. Fix: use ProxyJump=[user@]bastion[:port] (-J) instead.");
                value = Option(option);
                // "-o ProxyJump bastion": the value is the next word.
                if (value is null && option.Equals("ProxyJump", StringComparison.OrdinalIgnoreCase) && i + 1 < words.Count) value = words[++i];
            }
            if (value is not null) spec = value;
        }
        if (spec is null || spec.Equals("none", StringComparison.OrdinalIgnoreCase)) return null;
        if (spec.Contains(','))
            throw new FormatException($"ProxyJump '{spec}' names a chain of jump hosts; datalyptica follows one. Fix: name only the last bastion, reachable from this machine.");
        return Parse(spec, defaultUser, privateKeyFile);
    }

    /// <summary>"ProxyJump=spec" (or "ProxyJump spec" as one word) to spec; another option to null.</summary>
    private static string? Option(string option)
    {
        var eq = option.IndexOf('=');
        var name = eq < 0 ? option.Split(' ', 2)[0] : option[..eq];
        if (!name.Equals("ProxyJump", StringComparison.OrdinalIgnoreCase)) return null;
        return eq >= 0 ? option[(eq + 1)..].Trim() : option.Split(' ', 2) is [_, var rest] ? rest.Trim() : null;
    }

    /// <summary>[user@]host[:port], or ssh://[user@]host[:port]; an IPv6 address in brackets.</summary>
    private static HostConnection Parse(string spec, string defaultUser, string? privateKeyFile)
    {
        var text = spec.StartsWith("ssh://", StringComparison.Ordinal) ? spec[6..] : spec;
        var at = text.LastIndexOf('@');
        var user = at > 0 ? text[..at] : defaultUser;
        var hostPort = at >= 0 ? text[(at + 1)..] : text;
        var port = 22;
        var portGiven = true;
        string host;
        if (hostPort.StartsWith('[') && hostPort.IndexOf(']') is > 0 and var close)
        {
            host = hostPort[1..close];
            portGiven = close + 1 < hostPort.Length;
            if (close + 1 < hostPort.Length && (hostPort[close + 1] != ':' || !int.TryParse(hostPort[(close + 2)..], out port)))
                throw new FormatException($"ProxyJump '{spec}': the port after ']' is not a number.");
        }
        else if (hostPort.Count(c => c == ':') == 1)
        {
            host = hostPort[..hostPort.IndexOf(':')];
            if (!int.TryParse(hostPort[(hostPort.IndexOf(':') + 1)..], out port)) throw new FormatException($"ProxyJump '{spec}': the port is not a number.");
        }
        else
        {
            host = hostPort;
            portGiven = false;
        }
        if (host.Length == 0 || user.Length == 0 || port is < 1 or > 65535 || host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            throw new FormatException($"ProxyJump '{spec}' is not [user@]host[:port].");
        return new HostConnection($"jump {host}", host, port, user)
        {
            PrivateKeyFile = privateKeyFile,
            Given = (at > 0 ? GivenSettings.User : GivenSettings.None) | (portGiven ? GivenSettings.Port : GivenSettings.None),
        };
    }
}

using System.Net;
using Datalyptica.Contracts.Hosts;

namespace Datalyptica.Engine.Transport;

/// <summary>
/// OpenSSH's client configuration (~/.ssh/config, then /etc/ssh/ssh_config) applied to a connection as it applies to
/// Ansible's ssh: <c>ssh -G TARGET</c> (OpenSSH's own evaluation of Host and Match blocks, Include and %-tokens) gives
/// the HostName, and the Port, User, IdentityFile, ProxyJump and IdentityAgent wherever the inventory set none.
/// A setting counts as the config's when it differs from what <c>ssh -G -F /dev/null</c> prints (ssh's defaults).
/// </summary>
public sealed class SshClientConfig(string sshPath, string? configFile = null)
{
    private const string Ssh = "/usr/bin/ssh";
    private static readonly Lazy<SshClientConfig?> User = new(() => File.Exists(Ssh) ? new SshClientConfig(Ssh) : null);
    private readonly Lazy<ILookup<string, string>> _defaults = new(() => Query(sshPath, "/dev/null", "datalyptica.invalid"));
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Stamp, ILookup<string, string> Config)> _answers = new();

    /// <summary>
    /// The invoking user's configuration, when OpenSSH's client is installed (ssh -G needs OpenSSH 6.8); one per process,
    /// so the daemon asks ssh once per host until a config file changes.
    /// </summary>
    public static SshClientConfig? ForUser() => User.Value;

    /// <summary>The connection with what the configuration says about its target; the jump host gets its own entry.</summary>
    public HostConnection Apply(HostConnection connection)
    {
        // Only an address or a DNS name reaches ssh's command line (the loader already refused anything else).
        if (!IPAddress.TryParse(connection.Address, out _) && !Sites.HostNameResolver.IsDnsName(connection.Address)) return connection;
        var config = Answer(connection.Address);
        var defaults = _defaults.Value;
        string? Configured(string key) =>
            config[key].FirstOrDefault() is { } value && !defaults[key].Contains(value, StringComparer.Ordinal) ? value : null;
        bool Wants(GivenSettings setting) => !connection.Given.HasFlag(setting);

        var host = connection;
        if (config["hostname"].FirstOrDefault() is { } hostName && !hostName.Equals(connection.Address, StringComparison.OrdinalIgnoreCase))
            host = host with { Address = hostName };
        if (Wants(GivenSettings.Port) && Configured("port") is { } port && int.TryParse(port, out var number))
            host = host with { Port = number };
        if (Wants(GivenSettings.User) && Configured("user") is { } user)
            host = host with { User = user };
        // IdentityFile: the config's list replaces ssh's default list; the first that exists is used.
        if (Wants(GivenSettings.PrivateKey) && !config["identityfile"].SequenceEqual(defaults["identityfile"])
            && config["identityfile"].Select(ExpandHome).FirstOrDefault(File.Exists) is { } key)
            host = host with { PrivateKeyFile = key, Given = host.Given | GivenSettings.PrivateKey };
        if (Configured("identityagent") is { } agent)
            host = host with { AgentSocket = agent.Equals("none", StringComparison.OrdinalIgnoreCase) ? null
                : agent == "SSH_AUTH_SOCK" ? SshAgent.FromEnvironment()?.SocketPath : ExpandHome(agent) };
        if (Wants(GivenSettings.JumpHost))
        {
            if (config["proxycommand"].FirstOrDefault() is { } command && !command.Equals("none", StringComparison.OrdinalIgnoreCase))
                throw new TransportException(connection.HostName,
                    $"{Source} gives '{connection.Address}' a ProxyCommand, which datalyptica does not run. Fix: use ProxyJump [user@]bastion[:port] there, " +
                    "or ansible_ssh_common_args: \"-J [user@]bastion[:port]\" for the host.");
            if (Configured("proxyjump") is { } jump)
            {
                HostConnection? bastion;
                try { bastion = SshCommonArgs.JumpHost($"-J {jump}", host.User, host.PrivateKeyFile); }
                catch (FormatException e) { throw new TransportException(connection.HostName, $"{Source}, for '{connection.Address}': {e.Message}"); }
                host = host with { JumpHost = bastion is null ? null : Apply(bastion with { AgentSocket = host.AgentSocket }) };
            }
        }
        return host;
    }

    private ILookup<string, string> Answer(string target)
    {
        var stamp = string.Join('|', ConfigFiles.Select(f => File.Exists(f) ? $"{File.GetLastWriteTimeUtc(f).Ticks}:{new FileInfo(f).Length}" : "-"));
        if (_answers.TryGetValue(target, out var known) && known.Stamp == stamp) return known.Config;
        var config = Query(sshPath, configFile, target);
        _answers[target] = (stamp, config);
        return config;
    }

    // The files whose change makes a remembered answer stale (an Include elsewhere is read again when one of these changes).
    private IEnumerable<string> ConfigFiles => configFile is not null ? [configFile]
        : [ExpandHome("~/.ssh/config"), "/etc/ssh/ssh_config", .. System.IO.Directory.Exists("/etc/ssh/ssh_config.d")
            ? System.IO.Directory.GetFiles("/etc/ssh/ssh_config.d").Order(StringComparer.Ordinal).ToArray() : []];

    private string Source => configFile ?? "~/.ssh/config (or /etc/ssh/ssh_config)";

    private static string ExpandHome(string path) => Secrets.VaultPasswordSource.ExpandHome(path);

    /// <summary>ssh -G's "key value" lines, keys lower case, repeated keys (identityfile) in order.</summary>
    private static ILookup<string, string> Query(string ssh, string? configFile, string target)
    {
        string[] arguments = configFile is null ? ["-G", "--", target] : ["-F", configFile, "-G", "--", target];
        Repository.ToolResult result;
        // Connect blocks its worker thread already (SshTransportFactory), so waiting here cannot deadlock.
        try { result = Repository.ToolProcess.RunAsync(ssh, arguments, TimeSpan.FromSeconds(10), CancellationToken.None).GetAwaiter().GetResult(); }
        catch (TimeoutException)
        {
            throw new TransportException(target, $"ssh -G {target} did not finish within 10 s (a Match exec in the SSH client config?).");
        }
        if (!result.Succeeded)
            throw new TransportException(target,
                $"the SSH client config could not be read for '{target}': {result.Stderr.Trim()}. Fix: correct the file `ssh -G {target}` names.");
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', 2))
            .Where(parts => parts.Length == 2)
            .ToLookup(parts => parts[0].ToLowerInvariant(), parts => parts[1].Trim(), StringComparer.Ordinal);
    }
}

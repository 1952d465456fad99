using Datalyptica.Contracts.Hosts;
using Datalyptica.Model;

namespace Datalyptica.Engine.Apply;

/// <summary>Opens a transport to a host (SSH for real hosts). The CLI gets one by injection; tests use a local one.</summary>
public interface IHostTransportFactory
{
    IHostTransport Connect(HostConnection connection);
}

public static class HostConnections
{
    /// <summary>
    /// How to reach a host from its inventory variables (ansible_host, ansible_port, ansible_user, ansible_become,
    /// ansible_ssh_private_key_file, and a jump host in ansible_ssh_common_args or ansible_ssh_extra_args).
    /// </summary>
    public static HostConnection For(Host host)
    {
        string? Var(string key) => host.Vars.GetValueOrDefault(key)?.AsString();
        var user = Var("ansible_user") ?? "root";
        var key = Var("ansible_ssh_private_key_file");
        var agent = Transport.SshAgent.FromEnvironment()?.SocketPath;
        var jumpArgs = $"{Var("ansible_ssh_common_args")} {Var("ansible_ssh_extra_args")}";
        return new HostConnection(host.Name, Var("ansible_host") ?? host.AddressName ?? host.Address.ToString(),
            int.TryParse(Var("ansible_port"), out var port) ? port : 22, user)
        {
            // The jump host first: an ansible_become that is no boolean (DL567) must not hide SSH arguments that cannot be
            // followed (DL559) from validate, which reads them through this method.
            JumpHost = Transport.SshCommonArgs.JumpHost(jumpArgs, user, key) is { } jump
                ? jump with { AgentSocket = agent } : null,
            Become = ConnectionVars.Become(host),
            PrivateKeyFile = key,
            AgentSocket = agent,
            Given = (Var("ansible_port") is null ? GivenSettings.None : GivenSettings.Port)
                    | (Var("ansible_user") is null ? GivenSettings.None : GivenSettings.User)
                    | (key is null ? GivenSettings.None : GivenSettings.PrivateKey)
                    | (jumpArgs.Trim().Length == 0 ? GivenSettings.None : GivenSettings.JumpHost),
        };
    }
}

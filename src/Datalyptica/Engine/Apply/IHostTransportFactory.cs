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
    /// <summary>How to reach a host from its inventory variables (ansible_host, ansible_port, ansible_user, ansible_become).</summary>
    public static HostConnection For(Host host)
    {
        string? Var(string key) => host.Vars.GetValueOrDefault(key)?.AsString();
        return new HostConnection(host.Name, Var("ansible_host") ?? host.Address.ToString(),
            int.TryParse(Var("ansible_port"), out var port) ? port : 22, Var("ansible_user") ?? "root")
        {
            Become = bool.TryParse(Var("ansible_become"), out var become) && become,
            PrivateKeyFile = Var("ansible_ssh_private_key_file"),
        };
    }
}

using Datalyptica.Contracts;

namespace Datalyptica.Components.JupyterHub;

/// <summary>JupyterHub runs as its own system user; we render its units. They restart on any change of its files.</summary>
public static class JupyterHubLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own("jupyterhub", "Datalyptica JupyterHub"),
        Units =
        [
            new("jupyterhub", UnitSource.Rendered, OnConfigChange.Restart),
        ],
    };
}

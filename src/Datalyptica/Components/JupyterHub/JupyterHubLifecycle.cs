using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.JupyterHub;

/// <summary>
/// JupyterHub runs as root (the artifact's SystemdSpawner and Debian's PAM login and LocalProcessSpawner need it); its
/// own system user owns its data folder. We render its unit (for the Debian package ours in /etc/systemd/system
/// overrides the package's /lib/systemd/system/jupyterhub.service). It restarts on any change of its files.
/// Debian install: the PAM login group, and the site's local account with its vault password.
/// </summary>
public static class JupyterHubLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own("jupyterhub", "Datalyptica JupyterHub"),
        Units =
        [
            new("jupyterhub", UnitSource.Rendered, OnConfigChange.Restart),
        ],
        Commands = Accounts,
    };

    private static IEnumerable<GuardedCommand> Accounts(Site site, Host host)
    {
        if (!host.Has(JupyterHubComponent.Server) || !JupyterHubSettings.FromDebian(site)) yield break;
        const string group = JupyterHubRenderer.LoginGroup;
        var hasGroup = $"getent group {group} >/dev/null";
        yield return new GuardedCommand("login-group", $"{hasGroup} || groupadd --system {group}", hasGroup,
            $"no group {group} (who may log in to JupyterHub with PAM)");
        if (JupyterHubSettings.LocalUserOf(site) is not { } user) yield break;
        // The password reaches chpasswd on stdin from the root-only file apply wrote: never argv, the plan or a log.
        yield return new GuardedCommand("local-user",
            $"{{ id -u {user} >/dev/null 2>&1 || useradd --create-home --shell /bin/bash --comment 'JupyterHub user (datalyptica)' {user}; }} && " +
            $"usermod --append --groups {group} {user} && chpasswd < {JupyterHubRenderer.LocalUserFile}",
            $"id -nG {user} 2>/dev/null | tr ' ' '\\n' | grep -qx {group}",
            $"no local account {user} in group {group}")
        { OnChangeOfFiles = [JupyterHubRenderer.LocalUserFile] };
    }
}

using Datalyptica.Components.Keycloak;
using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Components.JupyterHub;

/// <summary>
/// A Debian-packaged JupyterHub cannot log in through Keycloak: Debian 12 has no oauthenticator, so on a site with
/// single sign-on the hub would silently fall back to PAM accounts while every other application uses the realm.
/// </summary>
public sealed class JupyterHubInstallRule : IValidationRule
{
    public IEnumerable<Diagnostic> Check(Site site)
    {
        if (!site.HostsWith(JupyterHubComponent.Server).Any() || !JupyterHubSettings.FromDebian(site)) yield break;
        if (!site.HostsWith(KeycloakComponent.Server).Any()) yield break;
        yield return new Diagnostic(FindingCodes.JupyterHubDebianWithSso,
            "jupyterhub_install: debian installs JupyterHub 3.0 from Debian 12, which has no oauthenticator: its users cannot log in " +
            "through Keycloak, which this site deploys for single sign-on.",
            $"set {JupyterHubSettings.Install.Key}: {JupyterHubSettings.Artifact} (the pinned artifact ships oauthenticator), or remove Keycloak from the site " +
            "to log in with PAM accounts.",
            JupyterHubSettings.Install.SourceIn(site), JupyterHubSettings.Install.Key);
    }
}

using Datalyptica.Components.JupyterHub;
using Datalyptica.Contracts;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.JupyterHub;

/// <summary>
/// JupyterHub 5.2 cannot be installed here (Debian ships 3.0; PyPI is not reachable): jupyterhub_config.py is compiled with
/// the real python3 and its addresses and URLs are checked against the site.
/// </summary>
public class JupyterHubRendererTests
{
    [Fact]
    public void Config_compiles_with_python3_on_production_and_development()
    {
        foreach (var site in new[] { RenderedSites.Production, RenderedSites.Development })
        foreach (var hub in site.Site.HostsWith(JupyterHubComponent.Server))
            AppTests.PyCompiles(site.Host(hub.Name).Files, JupyterHubRenderer.ConfigPath);
    }

    [Fact]
    public void Binds_its_own_ports_under_jupyter_and_shares_state_in_postgres()
    {
        foreach (var site in AppTests.Sites)
        foreach (var hub in site.Site.HostsWith(JupyterHubComponent.Server))
        {
            var file = site.File(hub.Name, JupyterHubRenderer.ConfigPath);
            (file.Mode & UnixFileMode.OtherRead).ShouldBe((UnixFileMode)0);
            var py = file.Content;
            py.ShouldContain($"c.JupyterHub.bind_url = 'http://{hub.Address}:{hub.Port(JupyterHubComponent.Proxy)}/jupyter/'");
            py.ShouldContain($"c.JupyterHub.hub_bind_url = 'http://{hub.Address}:{hub.Port(JupyterHubComponent.Hub)}'");
            py.ShouldContain($"@{site.Site.Vips[0].Address}:5000/jupyterhub'");
            py.ShouldContain("c.JupyterHub.authenticator_class = 'generic-oauth'");
            py.ShouldContain($"https://{site.Site.Domain}/auth/realms/datalyptica/protocol/openid-connect/token");
            // Both hubs of the pair render the same cookie secret and database: failover keeps sessions.
        }
        var hubs = RenderedSites.Production.Files(JupyterHubRenderer.ConfigPath).Select(x => x.File.Content
            .Split('\n').Where(l => l.StartsWith("c.JupyterHub.db_url") || l.StartsWith("c.JupyterHub.cookie_secret"))).ToList();
        hubs.Count.ShouldBe(2);
        hubs[0].ShouldBe(hubs[1]);
    }

    [Fact]
    public void Secrets_are_placeholders_in_private_files_only() =>
        AppTests.Sites.ToList().ForEach(s => AppTests.SecretsArePlaceholdersInPrivateFiles(s, "jupyterhub",
            "vault_oauth_jupyterhub_client_secret", "vault_jupyterhub_db_password", "vault_jupyterhub_cookie_secret"));

    [Fact]
    public void Renders_the_thousand_host_site_fast() => AppTests.RendersOnThousandHosts("jupyterhub");
}

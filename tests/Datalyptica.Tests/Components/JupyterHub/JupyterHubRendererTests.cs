using Datalyptica.Components;
using Datalyptica.Components.JupyterHub;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Repository;
using Datalyptica.Profiles;
using Datalyptica.Rendering;
using Datalyptica.Tests.Components.Keycloak;
using Datalyptica.Tests.Rendering;
using Datalyptica.Validation;

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

    // ---- jupyterhub_install: debian (lab up --jupyterhub) ----

    private static readonly Lazy<RenderedSite> Lab = new(() =>
    {
        var site = ProfileExpander.Expand(BuiltInProfiles.LabWithJupyterHub);
        return new RenderedSite(site, SiteRenderer.Render(site));
    });

    [Fact]
    public void The_lab_installs_Debians_jupyterhub_on_two_hubs_without_keycloak()
    {
        var site = Lab.Value.Site;
        var jupyterhub = ComponentCatalog.Get("jupyterhub");
        site.HostsWith(JupyterHubComponent.Server).Select(h => h.Name).ShouldBe(["lab01", "lab02"]);
        jupyterhub.InstallOn(site).ShouldBe(InstallSource.DistroPackage);
        jupyterhub.PackagesFor(site).ShouldBe(["jupyterhub", "python3-psycopg2"]);
        jupyterhub.RequiresOn(site).Select(d => d.ComponentId).ShouldBe(["postgresql"]);
        jupyterhub.SecretKeysOn(site).ShouldBe(["vault_jupyterhub_db_password", "vault_jupyterhub_cookie_secret", JupyterHubSettings.LocalUserPasswordKey]);
        RepositoryPackageSet.For(site).ShouldContain("jupyterhub");
        // No Keycloak needed (DL301) and none in the way (DL303); the expanded site has no vault, so secrets are not asked here.
        SiteValidator.Validate(site).Where(d => d.Code == Diagnostics.FindingCodes.DependencyMissing.Code
            || d.Code == Diagnostics.FindingCodes.JupyterHubDebianWithSso.Code).ShouldBeEmpty();

        // The artifact's sites keep theirs.
        var production = RenderedSites.Production.Site;
        jupyterhub.InstallOn(production).ShouldBe(InstallSource.Artifact);
        jupyterhub.PackagesFor(production).ShouldBeEmpty();
        jupyterhub.RequiresOn(production).Select(d => d.ComponentId).ShouldContain("keycloak");
    }

    [Fact]
    public void Debian_config_logs_in_with_PAM_runs_usr_bin_jupyterhub_and_Debians_proxy()
    {
        foreach (var hub in Lab.Value.Site.HostsWith(JupyterHubComponent.Server))
        {
            var files = Lab.Value.Host(hub.Name).Files;
            AppTests.PyCompiles(files, JupyterHubRenderer.ConfigPath);
            var py = Lab.Value.File(hub.Name, JupyterHubRenderer.ConfigPath).Content;
            py.ShouldContain("JupyterHub 3.0 configuration");
            py.ShouldContain($"c.JupyterHub.bind_url = 'http://{hub.Address}:8000/jupyter/'");
            py.ShouldContain("c.JupyterHub.authenticator_class = 'jupyterhub.auth.PAMAuthenticator'");
            py.ShouldContain($"c.LocalAuthenticator.allowed_groups = {{'{JupyterHubRenderer.LoginGroup}'}}");
            py.ShouldContain("c.JupyterHub.spawner_class = 'jupyterhub.spawner.LocalProcessSpawner'");
            py.ShouldContain("c.ConfigurableHTTPProxy.command = ['/usr/bin/configurable-http-proxy']");
            py.ShouldContain($"@{Lab.Value.Site.Vips[0].Address}:5000/jupyterhub'");
            // Settings only (Shouldly's string ShouldNotContain ignores case, and the comments say why there is no OAuth).
            var settings = py.Split('\n').Where(l => l.StartsWith("c.", StringComparison.Ordinal)).ToList();
            settings.ShouldNotContain(l => l.Contains("oauth", StringComparison.OrdinalIgnoreCase));
            settings.ShouldNotContain(l => l.Contains("SystemdSpawner", StringComparison.Ordinal));
            py.ShouldNotContain("extra_log_file"); // deprecated since 0.8.2: the journal has the hub's log

            var unit = Lab.Value.File(hub.Name, "/etc/systemd/system/jupyterhub.service").Content;
            unit.ShouldContain($"ExecStart=/usr/bin/jupyterhub --config={JupyterHubRenderer.ConfigPath}\n");
            unit.ShouldContain("Restart=always\n");
            unit.ShouldContain("StartLimitIntervalSec=0\n");
            unit.ShouldNotContain(PlatformPaths.Current("jupyterhub"));

            var user = Lab.Value.File(hub.Name, JupyterHubRenderer.LocalUserFile);
            user.Content.ShouldBe("analyst:@@secret:vault_jupyterhub_local_user_password@@\n");
            user.Mode.ShouldBe(Modes.OwnerOnly);
        }
        // Not on the third host, nor an artifact folder anywhere.
        Lab.Value.Host("lab03").Files.ShouldNotContain(f => f.Component == "jupyterhub");
        Lab.Value.Site.Hosts.SelectMany(h => Lab.Value.Host(h.Name).Files).ShouldNotContain(f => f.Content.Contains(PlatformPaths.InstallRoot + "/jupyterhub"));
    }

    [Fact]
    public void Debian_secrets_are_placeholders_in_private_files_and_the_account_commands_hold_none()
    {
        AppTests.SecretsArePlaceholdersInPrivateFiles(Lab.Value, "jupyterhub",
            "vault_jupyterhub_db_password", "vault_jupyterhub_cookie_secret", JupyterHubSettings.LocalUserPasswordKey);
        var site = Lab.Value.Site;
        var hub = site.HostsWith(JupyterHubComponent.Server).First();
        var commands = JupyterHubLifecycle.Declaration.Commands!(site, hub).ToList();
        commands.Select(c => c.Name).ShouldBe(["login-group", "local-user"]);
        foreach (var c in commands)
        {
            (c.Command + c.Unless).ShouldNotContain("@@secret");
            (c.Command + c.Unless).ShouldNotContain("vault_");
        }
        // The password reaches chpasswd on stdin from the root-only file, and a changed password runs it again.
        commands[1].Command.ShouldEndWith($"chpasswd < {JupyterHubRenderer.LocalUserFile}");
        commands[1].OnChangeOfFiles.ShouldBe([JupyterHubRenderer.LocalUserFile]);
        JupyterHubLifecycle.Declaration.Commands!(site, site.Hosts.Single(h => h.Name == "lab03")).ShouldBeEmpty();
        JupyterHubLifecycle.Declaration.Commands!(RenderedSites.Production.Site, RenderedSites.Production.Site.HostsWith(JupyterHubComponent.Server).First()).ShouldBeEmpty();
    }

    [Fact]
    public void Without_a_local_user_debian_needs_no_password_and_creates_only_the_login_group()
    {
        var site = ProfileExpander.Expand(BuiltInProfiles.LabWithJupyterHub);
        site = site with { Vars = site.Vars.Where(v => v.Key != JupyterHubSettings.LocalUser.Key).ToDictionary() };
        ComponentCatalog.Get("jupyterhub").SecretKeysOn(site).ShouldNotContain(JupyterHubSettings.LocalUserPasswordKey);
        SiteRenderer.Render(site).SelectMany(h => h.Files).ShouldNotContain(f => f.Path == JupyterHubRenderer.LocalUserFile);
        JupyterHubLifecycle.Declaration.Commands!(site, site.HostsWith(JupyterHubComponent.Server).First()).Select(c => c.Name).ShouldBe(["login-group"]);
    }
}

using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Datalyptica.Components;
using Datalyptica.Components.HAProxy;
using Datalyptica.Components.Keycloak;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Keycloak;

/// <summary>
/// Keycloak cannot be installed here (no release archive in Debian, NuGet or npm), so keycloak.conf is parsed back as properties, the JGroups/
/// Infinispan file with System.Xml and the realm import with System.Text.Json, and all are checked against the site
/// and against the applications' OAuth settings.
/// </summary>
public class KeycloakRendererTests
{
    private static string Conf(RenderedSite s) => $"{PlatformPaths.Install("keycloak", s.Site.Versions["keycloak"])}/conf";

    [Fact]
    public void Keycloak_conf_points_at_postgres_through_haproxy_and_serves_under_auth_on_the_front_door()
    {
        foreach (var site in AppTests.Sites)
        foreach (var kc in site.Site.HostsWith(KeycloakComponent.Server))
        {
            var file = site.File(kc.Name, $"{Conf(site)}/keycloak.conf");
            file.Mode.ShouldBe(Modes.Private);
            var p = JavaProperties.Parse(file.Content);
            var lb = site.Site.HostsWith(HAProxyComponent.Node).First();
            p["db-url"].ShouldBe($"jdbc:postgresql://{site.Site.Vips[0].Address}:{lb.Port(HAProxyComponent.PostgresPrimary)}/keycloak");
            p["db-password"].ShouldBe("@@secret:vault_keycloak_db_password@@");
            p["hostname"].ShouldBe($"https://{site.Site.Domain}/auth");
            p["http-relative-path"].ShouldBe("/auth");
            p["proxy-headers"].ShouldBe("xforwarded");
            p["http-port"].ShouldBe(kc.Port(KeycloakComponent.Http).ToString(CultureInfo.InvariantCulture));
            p["http-management-port"].ShouldBe(kc.Port(KeycloakComponent.Management).ToString(CultureInfo.InvariantCulture));
            p["health-enabled"].ShouldBe("true");
            p["cache"].ShouldBe("ispn");
            site.File(kc.Name, $"{Conf(site)}/{p["cache-config-file"]}").ShouldNotBeNull();
        }
    }

    [Fact]
    public void Jgroups_stack_is_tcpping_listing_every_member_with_its_port_identically()
    {
        foreach (var site in AppTests.Sites)
        {
            var members = site.Site.HostsWith(KeycloakComponent.Server).ToList();
            var expected = string.Join(",", members.Select(h => $"{h.Address}[{h.Port(KeycloakComponent.JGroups)}]"));
            foreach (var kc in members)
            {
                var doc = XDocument.Parse(site.File(kc.Name, $"{Conf(site)}/{KeycloakRenderer.CacheFile}").Content);
                var stack = doc.Descendants().Single(e => e.Name.LocalName == "stack");
                stack.Attribute("extends")!.Value.ShouldBe("tcp");
                var ping = stack.Elements().Single(e => e.Name.LocalName == "TCPPING");
                ping.Attribute("initial_hosts")!.Value.ShouldBe(expected);
                ping.Attribute("stack.position")!.Value.ShouldBe("MPING", "replaces the multicast discovery");
                var tcp = stack.Elements().Single(e => e.Name.LocalName == "TCP");
                tcp.Attribute("bind_addr")!.Value.ShouldBe(kc.Address.ToString());
                doc.Descendants().Single(e => e.Name.LocalName == "transport").Attribute("stack")!.Value.ShouldBe(stack.Attribute("name")!.Value);
                doc.Descendants().Where(e => e.Name.LocalName == "distributed-cache").ShouldAllBe(c => int.Parse(c.Attribute("owners")!.Value) >= 2);
            }
        }
    }

    [Fact]
    public void Realm_has_one_client_per_deployed_ui_whose_secret_variable_the_application_uses()
    {
        foreach (var site in AppTests.Sites)
        {
            var kc = site.Site.HostsWith(KeycloakComponent.Server).First();
            var realm = JsonDocument.Parse(site.File(kc.Name, $"{PlatformPaths.Install("keycloak", site.Site.Versions["keycloak"])}/data/import/datalyptica-realm.json").Content).RootElement;
            realm.GetProperty("realm").GetString().ShouldBe(AppPlatform.DefaultRealm);
            var clients = realm.GetProperty("clients").EnumerateArray().ToDictionary(c => c.GetProperty("clientId").GetString()!);
            clients.Keys.ShouldBe(["grafana", "airflow", "jupyterhub", "superset"], ignoreOrder: true);
            foreach (var (id, c) in clients)
            {
                c.GetProperty("secret").GetString().ShouldBe($"@@secret:{AppPlatform.ClientSecretVar(id)}@@");
                foreach (var uri in c.GetProperty("redirectUris").EnumerateArray())
                    new Uri(uri.GetString()!).Host.ShouldEndWith(site.Site.Domain);
            }
            // Each application sends the same secret variable and a callback the realm allows.
            var grafana = site.AllFiles.First(x => x.File.Path == "/etc/datalyptica/grafana/grafana.ini").File.Content;
            var ini = IniText.Parse(grafana)["auth.generic_oauth"];
            ini["client_secret"].ShouldBe(clients["grafana"].GetProperty("secret").GetString());
            ini["auth_url"].ShouldBe($"https://{site.Site.Domain}/auth/realms/datalyptica/protocol/openid-connect/auth");
            clients["grafana"].GetProperty("redirectUris")[0].GetString().ShouldBe($"https://{site.Site.Domain}/grafana/login/generic_oauth");
            var hub = site.AllFiles.First(x => x.File.Path.EndsWith("jupyterhub_config.py")).File.Content;
            hub.ShouldContain(clients["jupyterhub"].GetProperty("secret").GetString()!);
            hub.ShouldContain($"oauth_callback_url = '{clients["jupyterhub"].GetProperty("redirectUris")[0].GetString()}'");
            site.AllFiles.First(x => x.File.Path.EndsWith("superset_config.py")).File.Content.ShouldContain(clients["superset"].GetProperty("secret").GetString()!);
            site.AllFiles.First(x => x.File.Path.EndsWith("webserver_config.py")).File.Content.ShouldContain(clients["airflow"].GetProperty("secret").GetString()!);
            clients["superset"].GetProperty("redirectUris")[0].GetString().ShouldStartWith($"https://superset.{site.Site.Domain}/");
        }
    }

    [Fact]
    public void Keycloak_realm_variable_renames_the_realm_everywhere()
    {
        var site = AppTests.WithVars(RenderedSites.Staging.Site, ("keycloak_realm", "acme"));
        var kc = site.Site.HostsWith(KeycloakComponent.Server).First();
        var realm = JsonDocument.Parse(site.File(kc.Name, $"{PlatformPaths.Install("keycloak", site.Site.Versions["keycloak"])}/data/import/acme-realm.json").Content);
        realm.RootElement.GetProperty("realm").GetString().ShouldBe("acme");
        site.AllFiles.First(x => x.File.Path.EndsWith("grafana.ini")).File.Content.ShouldContain("/auth/realms/acme/protocol/openid-connect/token");
        site.AllFiles.First(x => x.File.Path.EndsWith("jupyterhub_config.py")).File.Content.ShouldContain("/auth/realms/acme/");
    }

    [Fact]
    public void Heap_follows_host_ram_and_fits_next_to_the_other_roles()
    {
        foreach (var site in AppTests.Sites)
        foreach (var kc in site.Site.HostsWith(KeycloakComponent.Server))
        {
            var unit = site.File(kc.Name, "/etc/systemd/system/keycloak.service").Content;
            var heap = KeycloakRenderer.HeapMb(kc);
            unit.ShouldContain($"-Xmx{Sizing.Jvm(heap)}");
            unit.ShouldContain("kc.sh start --optimized");
            (heap / 1024.0 + kc.Needs.RamGb).ShouldBeLessThanOrEqualTo(kc.RamGb, $"{site}: {kc.Name}");
        }
    }

    [Fact]
    public void Secrets_are_placeholders_in_private_files_only() =>
        AppTests.Sites.ToList().ForEach(s => AppTests.SecretsArePlaceholdersInPrivateFiles(s, "keycloak",
            "vault_keycloak_db_password", "vault_keycloak_admin_password", "vault_oauth_grafana_client_secret"));

    [Fact]
    public void Renders_the_thousand_host_site_fast() => AppTests.RendersOnThousandHosts("keycloak");
}

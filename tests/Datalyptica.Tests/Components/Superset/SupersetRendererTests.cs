using Datalyptica.Components.Redis;
using Datalyptica.Components.Superset;
using Datalyptica.Contracts;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Superset;

/// <summary>
/// Superset cannot be installed here (no release archive in Debian, NuGet or npm): superset_config.py is compiled with the real python3 and its
/// database, Sentinel and OAuth references are checked against the site.
/// </summary>
public class SupersetRendererTests
{
    [Fact]
    public void Config_compiles_with_python3_on_production_and_development()
    {
        foreach (var site in new[] { RenderedSites.Production, RenderedSites.Development })
            AppTests.PyCompiles(site.Host(site.Site.HostsWith(SupersetComponent.Server).First().Name).Files, SupersetRenderer.ConfigPath);
    }

    [Fact]
    public void Config_uses_every_sentinel_with_its_port_postgres_through_haproxy_and_keycloak()
    {
        foreach (var site in AppTests.Sites)
        foreach (var s in site.Site.HostsWith(SupersetComponent.Server))
        {
            var py = site.File(s.Name, SupersetRenderer.ConfigPath).Content;
            var sentinels = "[" + string.Join(", ", site.Site.HostsWith(RedisComponent.Sentinel).Select(h => $"('{h.Address}', {h.Port(RedisComponent.SentinelPort)})")) + "]";
            py.ShouldContain($"SENTINELS = {sentinels}\n");
            py.ShouldContain($"@{site.Site.Vips[0].Address}:5000/superset\"");
            py.ShouldContain("ENABLE_PROXY_FIX = True");
            py.ShouldContain($"\"server_metadata_url\": \"https://{site.Site.Domain}/auth/realms/datalyptica/.well-known/openid-configuration\"");
            site.File(s.Name, "/etc/systemd/system/superset.service").Content.ShouldContain($"--bind {s.Address}:{s.Port(SupersetComponent.Http)} ");
        }
    }

    [Fact]
    public void Secrets_are_placeholders_in_private_files_only() =>
        AppTests.Sites.ToList().ForEach(s => AppTests.SecretsArePlaceholdersInPrivateFiles(s, "superset",
            "vault_superset_secret_key", "vault_superset_db_password", "vault_oauth_superset_client_secret", "vault_redis_password"));

    [Fact]
    public void Renders_the_thousand_host_site_fast() => AppTests.RendersOnThousandHosts("superset");
}

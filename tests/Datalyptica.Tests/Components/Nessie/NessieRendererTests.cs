using Datalyptica.Components;
using Datalyptica.Components.HAProxy;
using Datalyptica.Components.Nessie;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Tests.Components.Kafka;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Nessie;

/// <summary>Nessie's Quarkus properties parsed back (Nessie cannot be installed here: no release archive in Debian, NuGet or npm); unit via systemd-analyze verify.</summary>
public class NessieRendererTests
{
    [Fact]
    public void Version_store_is_JDBC2_on_PostgreSQL_through_the_HAProxy_primary_port_on_the_VIP()
    {
        foreach (var site in ArtifactUnitCheck.CoreSites)
        {
            var proxy = site.Site.HostsWith(HAProxyComponent.Node).First();
            var files = site.FilesAt(NessieRenderer.PropertiesPath).ToList();
            files.Count.ShouldBe(site.Site.HostsWith(NessieComponent.Server).Count());
            foreach (var (host, file) in files)
            {
                var p = JavaProperties.Parse(file.Content);
                p["nessie.version.store.type"].ShouldBe("JDBC2");
                p["nessie.version.store.persist.jdbc.datasource"].ShouldBe("postgresql");
                p["quarkus.datasource.postgresql.jdbc.url"].ShouldBe(
                    $"jdbc:postgresql://{site.Site.Vips[0].Address}:{proxy.Port(HAProxyComponent.PostgresPrimary)}/nessie");
                p["quarkus.datasource.postgresql.password"].ShouldBe(SecretPlaceholder.For("vault_nessie_db_password"));
                p["quarkus.http.port"].ShouldBe(host.Port(NessieComponent.Api).ToString());
                p["quarkus.management.port"].ShouldBe(host.Port(NessieComponent.Management).ToString());
                p["nessie.catalog.warehouses.warehouse.location"].ShouldBe($"s3://{site.Site.ObjectStore!.Buckets["warehouse"]}/");
                p["nessie.catalog.service.s3.default-options.endpoint"].ShouldBe(site.Site.ObjectStore.Endpoint);
                file.Mode.ShouldBe(Modes.Private);
                file.Group.ShouldBe(NessieRenderer.User);
                // Every value that is a secret is a placeholder; nothing else looks like a credential.
                SecretPlaceholder.Find(file.Content).ShouldBe(["vault_nessie_db_password", "vault_s3_access_key", "vault_s3_secret_key"], ignoreOrder: true);
            }
        }
    }

    [Fact]
    public void Moved_ports_on_a_host_are_the_ports_it_listens_on()
    {
        var dev = RenderedSites.Development.Site;
        var host = dev.HostsWith(NessieComponent.Server).First();
        var (_, hosts) = ArtifactUnitCheck.WithHostVars(dev, host.Name,
            new Dictionary<string, object> { ["nessie_port"] = 19121, ["nessie_management_port"] = 9010 });
        var p = JavaProperties.Parse(hosts.Single(h => h.Host.Name == host.Name).Files.Single(f => f.Path == NessieRenderer.PropertiesPath).Content);
        p["quarkus.http.port"].ShouldBe("19121");
        p["quarkus.management.port"].ShouldBe("9010");
    }

    [Fact]
    public void Clients_reach_Nessie_through_the_front_door_VIP()
    {
        var site = RenderedSites.Production.Site;
        var ctx = new RenderContext(new SiteIndex(site), site.Hosts[0]);
        NessieRenderer.ApiUri(ctx).ShouldBe(
            $"http://{site.Vips[0].Address}:{site.HostsWith(HAProxyComponent.Node).First().Port(NessieComponent.FrontDoor)}/api/v2");
    }

    [Fact]
    public void Heap_fits_the_host_share_and_the_unit_passes_systemd_analyze_verify()
    {
        foreach (var site in new[] { RenderedSites.Production, RenderedSites.Development })
        {
            foreach (var (host, env) in site.FilesAt(NessieRenderer.EnvPath))
                Jvm.MaxHeapMb(env.Content).ShouldBeLessThanOrEqualTo(RoleBudget.RamMb(host, NessieComponent.Server));
            ArtifactUnitCheck.Verify(site.AllFiles.Where(x => x.File.Component == "nessie" && x.File.Kind == FileKind.SystemdUnit));
        }
    }
}

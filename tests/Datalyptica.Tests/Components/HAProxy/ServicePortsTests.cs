using Datalyptica.Components.Nessie;
using Datalyptica.Components.Trino;
using Datalyptica.Contracts;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.HAProxy;

/// <summary>The VIP ports other renderers point at (Nessie API for catalogs, Trino discovery) exist on every load balancer.</summary>
public class ServicePortsTests
{
    [Fact]
    public void Nessie_and_Trino_listen_on_the_front_door_ports_with_every_member()
    {
        var site = RenderedSites.Production;
        foreach (var (host, file) in site.FilesAt("/etc/haproxy/haproxy.cfg"))
        {
            var text = file.Content;
            text.ShouldContain($"listen nessie_vip\n    mode http\n    bind :{NessieComponent.FrontDoor.Number}\n");
            foreach (var nessie in site.Site.HostsWith(NessieComponent.Server))
                text.ShouldContain($"server {nessie.Name} {nessie.Address}:{nessie.Port(NessieComponent.Api)} check port {nessie.Port(NessieComponent.Management)}\n");

            text.ShouldContain($"listen trino_vip\n    mode http\n    bind :{TrinoComponent.FrontDoor.Number}\n");
            var coordinators = site.Site.HostsWith(TrinoComponent.Coordinator).ToList();
            text.ShouldContain($"server {coordinators[0].Name} {coordinators[0].Address}:{coordinators[0].Port(TrinoComponent.Http)} check\n");
            foreach (var standby in coordinators.Skip(1))
                text.ShouldContain($"server {standby.Name} {standby.Address}:{standby.Port(TrinoComponent.Http)} check backup\n", customMessage: host.Name);
        }
    }
}

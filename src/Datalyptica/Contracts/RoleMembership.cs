using Datalyptica.Model;

namespace Datalyptica.Contracts;

/// <summary>
/// Which hosts take a role, read from their role groups alone (no catalog needed). What a host's groups mean as a whole
/// (all its roles, what they need together, the components a site deploys) needs the catalog:
/// Components/CatalogModelExtensions.cs.
/// </summary>
public static class RoleMembership
{
    extension(Host host)
    {
        public bool Has(RoleDefinition role) => host.RoleGroups.Contains(role.Group);

        /// <summary>The port this host uses for a spec: the inventory override (validate checks it, PortSetting) or the upstream default.</summary>
        public int Port(PortSpec spec) =>
            host.Vars.TryGetValue(spec.VarName, out var s) && int.TryParse(s.AsString(), out var p) && p is > 0 and < 65536 ? p : spec.Number;

        /// <summary>This host's address and port for a spec as a URL or a client option writes it (ADDR:PORT, [v6]:PORT).</summary>
        public string Endpoint(PortSpec spec) => Endpoints.Format(new System.Net.IPEndPoint(host.Address, host.Port(spec)));
    }

    extension(Site site)
    {
        public IEnumerable<Host> HostsWith(RoleDefinition role) => site.Hosts.Where(h => h.Has(role));

        public bool Deploys(ComponentDefinition component) => component.Roles.Any(r => site.Hosts.Any(h => h.Has(r)));
    }
}

using Datalyptica.Model;

namespace Datalyptica.Components;

/// <summary>
/// What hosts and sites mean in terms of the component catalog. The model (Model/) holds plain data and knows no
/// catalog; these extension members give it the catalog's view where Components is in scope.
/// </summary>
public static class CatalogModelExtensions
{
    extension(Host host)
    {
        /// <summary>The roles the host takes through its role groups (PostgreSQL and Patroni share one group).</summary>
        public IEnumerable<RoleDefinition> Roles => host.RoleGroups.SelectMany(ComponentCatalog.RolesOfGroup);

        public bool Has(RoleDefinition role) => host.RoleGroups.Contains(role.Group);

        /// <summary>The port this host uses for a spec: the inventory override (validate checks it, PortSetting) or the upstream default.</summary>
        public int Port(PortSpec spec) =>
            host.Vars.TryGetValue(spec.VarName, out var s) && int.TryParse(s.AsString(), out var p) && p is > 0 and < 65536 ? p : spec.Number;

        /// <summary>What the OS base and every role on the host need together.</summary>
        public ResourceNeeds Needs => host.Roles.Aggregate(OsBase.Reserve, (sum, r) => sum + r.Needs);
    }

    extension(Site site)
    {
        public IEnumerable<Host> HostsWith(RoleDefinition role) => site.Hosts.Where(h => h.Has(role));

        public bool Deploys(ComponentDefinition component) => component.Roles.Any(r => site.Hosts.Any(h => h.Has(r)));

        /// <summary>The catalog's components the site places on at least one host, in catalog order.</summary>
        public IEnumerable<ComponentDefinition> Components => ComponentCatalog.All.Where(site.Deploys);
    }
}

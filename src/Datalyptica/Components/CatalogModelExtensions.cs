using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components;

/// <summary>
/// What hosts and sites mean in terms of the component catalog. The model (Model/) holds plain data and knows no
/// catalog; these extension members give it the catalog's view where Components is in scope. Membership of one role
/// needs no catalog: Contracts/RoleMembership.cs.
/// </summary>
public static class CatalogModelExtensions
{
    extension(Host host)
    {
        /// <summary>The roles the host takes through its role groups (PostgreSQL and Patroni share one group).</summary>
        public IEnumerable<RoleDefinition> Roles => host.RoleGroups.SelectMany(ComponentCatalog.RolesOfGroup);

        /// <summary>What the OS base and every role on the host need together.</summary>
        public ResourceNeeds Needs => host.Roles.Aggregate(OsBase.Reserve, (sum, r) => sum + r.Needs);
    }

    extension(Site site)
    {
        /// <summary>The catalog's components the site places on at least one host, in catalog order.</summary>
        public IEnumerable<ComponentDefinition> Components => ComponentCatalog.All.Where(site.Deploys);
    }
}

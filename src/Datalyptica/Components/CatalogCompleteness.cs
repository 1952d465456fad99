using Datalyptica.Contracts;

namespace Datalyptica.Components;

/// <summary>
/// What a component's contract must declare beyond its ports (issue 12, deliverable 5), checked over a set of components:
/// every port of every role has firewall callers or is declared public (a port without an entry ships silently closed),
/// every component has a health probe and is either scraped or says why not, and every firewall entry, scrape job and
/// route names a role of the component that declares it and a port of that role. Each problem is one readable line.
/// </summary>
public static class CatalogCompleteness
{
    public static IReadOnlyList<string> Problems(IReadOnlyList<ComponentDefinition> components)
    {
        var problems = new List<string>();
        var access = components.SelectMany(c => c.Firewall.Select(a => (Component: c, Access: a))).ToList();

        foreach (var duplicate in access.GroupBy(a => a.Access.Id).Where(g => g.Count() > 1))
            problems.Add($"firewall entry id '{duplicate.Key}' is declared {duplicate.Count()} times (nftables names caller sets by it)");

        foreach (var component in components)
        {
            bool Owns(RoleDefinition role) => component.Roles.Contains(role);
            foreach (var role in component.Roles)
                foreach (var port in role.Ports)
                    if (!access.Any(a => a.Access.Server == role && a.Access.Port == port) && !component.PublicPorts.Contains(port))
                        problems.Add($"{component.Id}: port {port.Name} ({port.VarName}, {port.Number}) of role {role.Group} has no firewall entry " +
                            "(declare its callers in Firewall, or the port in PublicPorts)");

            // Range entries (a driver's ephemeral ports) are declared by the software that listens, wherever it runs.
            foreach (var entry in component.Firewall.Where(a => a.Range is null))
            {
                if (!Owns(entry.Server)) problems.Add($"{component.Id}: firewall entry {entry.Id} is for role {entry.Server.Group}, not one of {component.Id}'s");
                if (entry.Port is null && entry.IpProtocol is null) problems.Add($"{component.Id}: firewall entry {entry.Id} names no port, range or IP protocol");
                if (entry.Port is not null && !entry.Server.Ports.Contains(entry.Port)) problems.Add($"{component.Id}: firewall entry {entry.Id} opens {entry.Port!.Name}, which role {entry.Server.Group} does not declare");
                if (entry.Callers.Count == 0 && entry.Networks == Contracts.Networks.None && !entry.AllHosts)
                    problems.Add($"{component.Id}: firewall entry {entry.Id} lets nobody in");
            }

            if (component.Health is null) problems.Add($"{component.Id}: no health probe (Health)");

            if (component.ScrapeJobs.Count == 0 && component.NotScraped is null)
                problems.Add($"{component.Id}: neither a scrape job nor a NotScraped reason");
            foreach (var job in component.ScrapeJobs)
                foreach (var role in job.Roles ?? [])
                {
                    if (!Owns(role)) problems.Add($"{component.Id}: scrape job {job.Name} scrapes role {role.Group}, not one of {component.Id}'s");
                    if (!role.Ports.Contains(job.Port)) problems.Add($"{component.Id}: scrape job {job.Name} scrapes port {job.Port.Name}, which role {role.Group} does not declare");
                }

            foreach (var route in component.HttpRoutes)
            {
                if (!Owns(route.Role)) problems.Add($"{component.Id}: route {route.Name} goes to role {route.Role.Group}, not one of {component.Id}'s");
                foreach (var port in new[] { route.Port, route.HealthPort }.OfType<PortSpec>())
                    if (!route.Role.Ports.Contains(port)) problems.Add($"{component.Id}: route {route.Name} uses port {port.Name}, which role {route.Role.Group} does not declare");
            }
        }
        return problems;
    }
}

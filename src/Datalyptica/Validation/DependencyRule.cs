using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Validation;

/// <summary>Every deployed component has what it depends on (Patroni → etcd, Nessie → PostgreSQL, Spark/Flink → ZooKeeper, ...).</summary>
public sealed class DependencyRule : IValidationRule
{
    public IEnumerable<Diagnostic> Check(Site site)
    {
        foreach (var component in site.Components)
        foreach (var dependency in component.RequiresOn(site))
        {
            var needed = ComponentCatalog.Get(dependency.ComponentId);
            if (site.Deploys(needed)) continue;
            var group = needed.Roles[0].Group;
            var source = site.GroupSource(component.Roles[0].Group);
            if (needed.MissingDependencyFinding(site, component, source) is { } specific)
                yield return specific;
            else
                yield return new Diagnostic(FindingCodes.DependencyMissing,
                    $"{component.DisplayName} needs {needed.DisplayName}: {dependency.Why}; the site has no hosts in group '{group}'.",
                    $"add hosts to group '{group}' or remove {component.DisplayName}.", source, group);
        }
    }
}

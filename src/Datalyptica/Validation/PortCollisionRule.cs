using Datalyptica.Components;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Validation;

/// <summary>Two listeners on one host cannot share a port (8080, 8081, 9000, 9093 and 9094 are the usual clashes).</summary>
public sealed class PortCollisionRule : IValidationRule
{
    public IEnumerable<Diagnostic> Check(Site site)
    {
        foreach (var host in site.Hosts)
        {
            var owners = new Dictionary<int, string>();
            var listeners = OsBase.Ports.Select(p => (Owner: "OS base", Port: p))
                .Concat(host.Roles.SelectMany(r => r.Ports.Select(p => (Owner: $"{r.Component.DisplayName} {r.Name}", Port: p))));
            foreach (var (owner, spec) in listeners)
            {
                var number = host.Port(spec);
                if (owners.TryGetValue(number, out var first))
                {
                    var moved = host.Vars.GetValueOrDefault(spec.VarName);
                    yield return new Diagnostic("DL201", Severity.Error,
                        $"host {host.Name}: port {number} is wanted by {first} and by {owner} ({spec.Name}).",
                        $"move one of them, e.g. set {spec.VarName} to a free port in host_vars/{host.Name}.yml or the group's group_vars, or place the roles on different hosts.",
                        moved?.Source ?? host.Source, spec.VarName);
                }
                else owners[number] = owner;
            }
        }
    }
}

using Datalyptica.Components;
using Datalyptica.Contracts;
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
            var owners = new Dictionary<int, (string Owner, PortSpec Spec)>();
            var listeners = OsBase.Ports.Select(p => (Owner: "OS base", Port: p))
                .Concat(host.Roles.SelectMany(r => r.Ports.Select(p => (Owner: $"{r.Component.DisplayName} {r.Name}", Port: p))));
            foreach (var (owner, spec) in listeners)
            {
                // A port variable that is not a port number is the generic setting rule's (DL550/DL551, PortSetting).
                var number = host.Port(spec);
                if (owners.TryGetValue(number, out var first))
                {
                    // Blame the port the inventory set (the edit that caused the clash), not the default it ran into.
                    var blamed = !host.Vars.ContainsKey(spec.VarName) && host.Vars.ContainsKey(first.Spec.VarName) ? first.Spec : spec;
                    var moved = host.Vars.GetValueOrDefault(blamed.VarName);
                    yield return new Diagnostic(FindingCodes.PortCollision,
                        $"host {host.Name}: port {number} is wanted by {first.Owner} ({first.Spec.Name}) and by {owner} ({spec.Name}).",
                        $"move one of them, e.g. set {blamed.VarName} to a free port in host_vars/{host.Name}.yml or the group's group_vars, or place the roles on different hosts.",
                        moved?.Source ?? host.Source, blamed.VarName);
                }
                else owners[number] = (owner, spec);
            }
        }
    }
}

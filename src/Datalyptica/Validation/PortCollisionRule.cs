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
                // A port override that is not a port would otherwise fall back to the default without a word.
                if (host.Vars.TryGetValue(spec.VarName, out var set) &&
                    !(int.TryParse(set.AsString(), out var parsed) && parsed is > 0 and < 65536))
                    yield return new Diagnostic(FindingCodes.PortNotANumber,
                        $"host {host.Name}: {spec.VarName} '{(set.Sensitive ? "***" : set.AsString())}' is not a port number.",
                        $"set {spec.VarName} to a whole number from 1 to 65535 (the default is {spec.Number}).", set.Source, spec.VarName);
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

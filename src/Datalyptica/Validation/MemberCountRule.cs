using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Validation;

/// <summary>Quorum sizes and HA minimums: odd etcd/KRaft/Keeper/ZooKeeper ensembles, at least 3 Sentinels, a standby for everything.</summary>
public sealed class MemberCountRule : IValidationRule
{
    public IEnumerable<Diagnostic> Check(Site site)
    {
        foreach (var component in site.Components)
        foreach (var role in component.Roles)
        {
            var count = site.HostsWith(role).Count();
            var rule = role.Members;
            var source = site.GroupSource(role.Group);
            var why = rule.Why is null ? "" : $" ({rule.Why})";
            if (count < rule.Minimum)
                yield return new Diagnostic(FindingCodes.TooFewMembers,
                    $"{component.DisplayName} {role.Name}: {count} host(s) in group '{role.Group}', at least {rule.Minimum} needed{why}.",
                    $"add hosts to group '{role.Group}' until it has {rule.Minimum}.", source, role.Group);
            else if (rule.MustBeOdd && count % 2 == 0)
                yield return new Diagnostic(FindingCodes.EvenQuorum,
                    $"{component.DisplayName} {role.Name}: {count} members in group '{role.Group}'; a quorum needs an odd count{why}.",
                    $"use {count - 1} or {count + 1} hosts in group '{role.Group}'.", source, role.Group);
            if (rule.Maximum is { } max && count > max)
                yield return new Diagnostic(FindingCodes.TooManyMembers,
                    $"{component.DisplayName} {role.Name}: {count} hosts in group '{role.Group}', more than the {max} that make sense{why}.",
                    $"keep at most {max} hosts in group '{role.Group}'.", source, role.Group);
        }
    }
}

using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Validation;

/// <summary>
/// Runs the generic rules and every catalog component's own rules, and returns the findings sorted by severity,
/// then place. Every code comes from one rule, so the sort (ending on the code) does not depend on rule order.
/// </summary>
public static class SiteValidator
{
    /// <summary>Rules about the site as a whole, not about one component.</summary>
    public static readonly IReadOnlyList<IValidationRule> GenericRules =
    [
        new SiteSettingsRule(),
        new SettingTypeRule(),
        new HostIdentityRule(),
        new SshArgsRule(),
        new ConnectionVarsRule(),
        new MemberCountRule(),
        new PortCollisionRule(),
        new DependencyRule(),
        new ObjectStoreRule(),
        new CapacityRule(),
        new SecretRule(),
        new UnknownKeyRule(),
        new UnsafeTextRule(),
        new StandInRule(),
        new PackagePinRule(),
    ];

    /// <summary>The generic rules, then the rules each component of the catalog declares.</summary>
    public static IReadOnlyList<IValidationRule> Rules => ComponentCatalog.Combined<IReadOnlyList<IValidationRule>>("validation-rules", all =>
        [.. GenericRules, .. all.SelectMany(c => c.ValidationRules)]);

    public static IReadOnlyList<Diagnostic> Validate(Site site, IEnumerable<Diagnostic>? loadDiagnostics = null) =>
        (loadDiagnostics ?? []).Concat(Rules.SelectMany(r => r.Check(site)))
            .OrderByDescending(d => d.Severity)
            .ThenBy(d => d.Source?.File, StringComparer.Ordinal)
            .ThenBy(d => d.Source?.Line ?? 0)
            .ThenBy(d => d.Code, StringComparer.Ordinal)
            .ToList();
}

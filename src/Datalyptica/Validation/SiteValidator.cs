using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Validation;

/// <summary>A check over the whole site, run before any host is touched. One rule per concern.</summary>
public interface IValidationRule
{
    IEnumerable<Diagnostic> Check(Site site);
}

/// <summary>Runs every rule and returns the findings sorted by severity, then place.</summary>
public static class SiteValidator
{
    public static readonly IReadOnlyList<IValidationRule> Rules =
    [
        new SiteSettingsRule(),
        new SettingTypeRule(),
        new HostIdentityRule(),
        new MemberCountRule(),
        new KafkaDurabilityRule(),
        new PatroniRule(),
        new EtcdTimingRule(),
        new PortCollisionRule(),
        new VipRule(),
        new DependencyRule(),
        new ObjectStoreRule(),
        new CapacityRule(),
        new SecretRule(),
        new UnknownKeyRule(),
        new ZooKeeperNoticeRule(),
    ];

    public static IReadOnlyList<Diagnostic> Validate(Site site, IEnumerable<Diagnostic>? loadDiagnostics = null) =>
        (loadDiagnostics ?? []).Concat(Rules.SelectMany(r => r.Check(site)))
            .OrderByDescending(d => d.Severity)
            .ThenBy(d => d.Source?.File, StringComparer.Ordinal)
            .ThenBy(d => d.Source?.Line ?? 0)
            .ThenBy(d => d.Code, StringComparer.Ordinal)
            .ToList();
}

using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Validation;

/// <summary>Variables nobody reads are usually typos: warn with the closest known name.</summary>
public sealed class UnknownKeyRule : IValidationRule
{
    /// <summary>Every declared setting (ports included), the site model's own keys and each component's <c>{id}_version</c>.</summary>
    public static IReadOnlySet<string> KnownKeys => ComponentCatalog.Combined<IReadOnlySet<string>>("known-keys", all => SettingTypeRule.Declared.Keys
        .Concat(all.Select(c => $"{c.Id}_version")).Concat(SiteKeys.SiteWide).Concat(SiteKeys.PerHost)
        .ToHashSet(StringComparer.Ordinal));

    /// <summary>The prefix the fix offers for variables a site keeps on purpose (its own roles and notes).</summary>
    public const string SitePrefix = "site_";

    /// <summary>Ansible's own variables (connection, privilege escalation), secrets and the site's own variables are always allowed.</summary>
    private static bool IsAnsibleOrSecret(string key) =>
        key.StartsWith("ansible_", StringComparison.Ordinal) || key.StartsWith(SiteKeys.VaultPrefix, StringComparison.Ordinal) ||
        key.StartsWith(SitePrefix, StringComparison.Ordinal);

    public IEnumerable<Diagnostic> Check(Site site)
    {
        var reported = new HashSet<(string, string?, int)>();
        var all = site.Vars.Concat(site.GroupVars.Values.SelectMany(v => v)).Concat(site.Hosts.SelectMany(h => h.Vars));
        foreach (var (key, setting) in all)
        {
            if (KnownKeys.Contains(key) || IsAnsibleOrSecret(key)) continue;
            if (!reported.Add((key, setting.Source?.File, setting.Source?.Line ?? 0))) continue;
            var suggestion = DidYouMean.Suggest(key, KnownKeys);
            yield return new Diagnostic(FindingCodes.UnknownVariable,
                $"unknown variable '{key}'" + (suggestion is null ? "; no component reads it." : $"; did you mean '{suggestion}'?"),
                suggestion is null ? $"remove it, or prefix site-specific variables you keep on purpose with '{SitePrefix}'." : $"rename it to '{suggestion}'.",
                setting.Source, key);
        }
    }
}

using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Validation;

/// <summary>Variables nobody reads are usually typos: warn with the closest known name.</summary>
public sealed class UnknownKeyRule : IValidationRule
{
    public static readonly IReadOnlySet<string> KnownKeys = ComponentCatalog.All.SelectMany(c => c.KnownKeys)
        .Concat(SiteKeys.SiteWide).Concat(SiteKeys.PerHost).Concat(OsBase.Ports.Select(p => p.VarName)).Concat(OsBase.Settings.Select(s => s.Key))
        .Concat([Engine.Repository.AptSource.MirrorUrlKey, Engine.Repository.AptSource.MirrorSecurityUrlKey, Engine.Repository.AptSource.RepositoryListenKey, Engine.Repository.AptSource.RepositoryDirKey])
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>Ansible's own variables (connection, privilege escalation) are always allowed.</summary>
    private static bool IsAnsibleOrSecret(string key) =>
        key.StartsWith("ansible_", StringComparison.Ordinal) || key.StartsWith(SiteKeys.VaultPrefix, StringComparison.Ordinal);

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
                suggestion is null ? "remove it, or prefix site-specific variables you keep on purpose with 'site_'." : $"rename it to '{suggestion}'.",
                setting.Source, key);
        }
    }
}

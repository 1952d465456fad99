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
        var foreign = ForeignPatterns(site);
        var all = site.Vars.Concat(site.GroupVars.Values.SelectMany(v => v)).Concat(site.Hosts.SelectMany(h => h.Vars));
        foreach (var (key, setting) in all)
        {
            if (KnownKeys.Contains(key) || IsAnsibleOrSecret(key) || foreign.Any(p => p.IsMatch(key))) continue;
            if (!reported.Add((key, setting.Source?.File, setting.Source?.Line ?? 0))) continue;
            var suggestion = DidYouMean.Suggest(key, KnownKeys);
            yield return new Diagnostic(FindingCodes.UnknownVariable,
                $"unknown variable '{key}'" + (suggestion is null ? "; no component reads it." : $"; did you mean '{suggestion}'?"),
                suggestion is null
                    ? $"remove it, prefix site-specific variables you keep on purpose with '{SitePrefix}', or name your other roles' variables in {SiteKeys.ForeignVars} (patterns such as nginx_*)."
                    : $"rename it to '{suggestion}'.",
                setting.Source, key);
        }
    }

    /// <summary>The patterns of <see cref="SiteKeys.ForeignVars"/> (a list, or one string), * and ? as in shell globs.</summary>
    private static List<System.Text.RegularExpressions.Regex> ForeignPatterns(Site site)
    {
        var value = site.Var(SiteKeys.ForeignVars)?.Value;
        var patterns = value switch
        {
            string one => [one],
            IEnumerable<object?> many => many.OfType<string>().ToList(),
            _ => new List<string>(),
        };
        return patterns.Select(p => new System.Text.RegularExpressions.Regex(
            "^" + System.Text.RegularExpressions.Regex.Escape(p).Replace("\\*", ".*").Replace("\\?", ".") + "$",
            System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100))).ToList();
    }
}

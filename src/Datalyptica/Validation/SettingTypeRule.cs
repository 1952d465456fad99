using System.Collections.Frozen;
using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Validation;

/// <summary>
/// The one generic check of every declared setting (<see cref="SettingSpec"/>): its type (DL550) and its range or allowed
/// values (DL551), wherever it is set (group_vars/all, another group, a host), with the file, line and key; a site-wide
/// setting set for a group or host, where nothing reads it (DL553); and the form of every pinned version (DL552).
/// Readers fall back to the default on a value this rule refuses, so a site that passes never makes a renderer throw.
/// </summary>
public sealed class SettingTypeRule : IValidationRule
{
    /// <summary>Every declared setting by key: the components' (ports included) and the OS base's.</summary>
    public static FrozenDictionary<string, SettingSpec> Declared => ComponentCatalog.Combined("declared-settings", all => all
        .SelectMany(c => c.Settings.Concat(c.PortSettings))
        .Concat(OsBase.Settings).Concat(OsBase.Ports.Select(PortSetting.For))
        .DistinctBy(s => s.Key)
        .ToFrozenDictionary(s => s.Key, StringComparer.Ordinal));

    public IEnumerable<Diagnostic> Check(Site site)
    {
        foreach (var (key, setting, siteWide) in SiteOccurrences.Of(site))
        {
            if (!Declared.TryGetValue(key, out var spec)) continue;
            if (UnsafeTextRule.Refuses(key, setting.Value)) continue; // DL555 says what is wrong; repeating the value here would print its newline
            if (spec.Check(setting.Value) is { } problem)
                yield return Refuse(spec, setting, problem);
            else if (!siteWide && spec.Scope == SettingScope.Site && !SameAsSiteWide(site, key, setting))
                yield return new Diagnostic(FindingCodes.SiteSettingIgnored,
                    $"{key} is read only site-wide, so this group or host value is ignored.",
                    $"move it to group_vars/all (or remove it here).", setting.Source, key);
        }

        foreach (var (id, version) in site.Versions)
        {
            // Unknown ids and empty versions are SiteSettingsRule's (DL503/DL504).
            if (!ComponentCatalog.DefaultVersions.ContainsKey(id) || string.IsNullOrWhiteSpace(version) || SettingPatterns.ReleaseVersion.IsMatch(version)) continue;
            yield return new Diagnostic(FindingCodes.VersionNotRelease,
                $"version '{version}' of '{id}' is not a release number.",
                $"pin a release such as {ComponentCatalog.DefaultVersions[id]} (the default), or remove the key to use the default.",
                site.Var(SiteKeys.Versions)?.Source ?? site.Source, $"{SiteKeys.Versions}.{id}");
        }
    }

    /// <summary>A host's merged vars carry the site-wide value too: only a value set elsewhere is a group or host value.</summary>
    private static bool SameAsSiteWide(Site site, string key, Setting setting) =>
        site.Vars.TryGetValue(key, out var siteWide) && siteWide.Source == setting.Source;

    private static Diagnostic Refuse(SettingSpec spec, Setting setting, SettingProblem problem)
    {
        // A value from a vault-encrypted file is never shown, not even in an error.
        var message = setting.Sensitive ? $"{spec.Key}: the value (from an encrypted file) is not accepted." : $"{spec.Key}: {problem.Message}.";
        var wants = spec.Allowed.Length > 0 ? $"{spec.TypeName}, {spec.Allowed}" : spec.TypeName;
        return new Diagnostic(problem.WrongType ? FindingCodes.SettingWrongType : FindingCodes.SettingOutOfRange, message,
            $"set it to {Article(wants)} (default {spec.DefaultText}: {spec.Doc}), or remove it to use the default.", setting.Source, spec.Key);
    }

    private static string Article(string noun) => noun.StartsWith("integer", StringComparison.Ordinal) ? "an " + noun : "a " + noun;
}

using System.Text.RegularExpressions;
using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Validation;

/// <summary>
/// Site-wide settings: name, environment, domain, the pinned versions of the bill of materials, and who may reach SSH
/// on a production or dr site (every host's port 22 open to every address is refused there, not only warned about).
/// </summary>
public sealed partial class SiteSettingsRule : IValidationRule
{
    [GeneratedRegex(@"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")]
    private static partial Regex DomainName();

    public IEnumerable<Diagnostic> Check(Site site)
    {
        if (!SiteKeys.Environments.Contains(site.Environment))
            yield return new Diagnostic(FindingCodes.EnvironmentUnknown, $"environment '{site.Environment}' is not one of {string.Join(", ", SiteKeys.Environments)}.",
                $"set {SiteKeys.Environment} to one of them.", site.Var(SiteKeys.Environment)?.Source ?? site.Source, SiteKeys.Environment);
        if (!SettingPatterns.Token.IsMatch(site.Name))
            yield return new Diagnostic(FindingCodes.SiteNameInvalid, $"site name '{site.Name}' is not {SettingPatterns.TokenText}.",
                $"set {SiteKeys.SiteName} to a plain name such as prod-eu1: it becomes file names, the pgBackRest stanza and the Redis master name.",
                site.Var(SiteKeys.SiteName)?.Source ?? site.Source, SiteKeys.SiteName);
        if (!DomainName().IsMatch(site.Domain))
            yield return new Diagnostic(FindingCodes.DomainInvalid, $"domain '{site.Domain}' is not a DNS name.",
                $"set {SiteKeys.Domain} to the name the platform is served under, e.g. datalyptica.example.com.",
                site.Var(SiteKeys.Domain)?.Source ?? site.Source, SiteKeys.Domain);
        if (site.Environment is "production" or "dr" && Components.OsBaseLayer.OsBaseSettings.SshSources.Get(site) is not { Count: > 0 })
            yield return new Diagnostic(FindingCodes.SshOpenToEveryone,
                $"{Components.OsBaseLayer.FirewallPolicy.SshSourcesKey} is not set on this {site.Environment} site, so every host's firewall would accept SSH (port 22) from every address.",
                $"set {Components.OsBaseLayer.FirewallPolicy.SshSourcesKey} in group_vars/all to the networks your operators and this control node connect from, e.g. [10.1.2.0/24, 192.0.2.10] (a bastion).",
                site.Var(SiteKeys.Environment)?.Source ?? site.Source, Components.OsBaseLayer.FirewallPolicy.SshSourcesKey);
        var source = site.Var(SiteKeys.Versions)?.Source ?? site.Source;
        var known = ComponentCatalog.DefaultVersions.Keys;
        foreach (var (id, version) in site.Versions)
        {
            if (!ComponentCatalog.DefaultVersions.ContainsKey(id))
            {
                var suggestion = DidYouMean.Suggest(id, known);
                yield return new Diagnostic(FindingCodes.VersionForUnknownComponent,
                    $"version pinned for unknown component '{id}'" + (suggestion is null ? "." : $"; did you mean '{suggestion}'?"),
                    suggestion is null ? $"remove it from {SiteKeys.Versions}." : $"rename it to '{suggestion}'.", source, $"{SiteKeys.Versions}.{id}");
            }
            else if (string.IsNullOrWhiteSpace(version))
                yield return new Diagnostic(FindingCodes.VersionEmpty, $"version of '{id}' is empty.",
                    $"pin a version (the default is {ComponentCatalog.DefaultVersions[id]}) or remove the key to use it.", source, $"{SiteKeys.Versions}.{id}");
        }
    }
}

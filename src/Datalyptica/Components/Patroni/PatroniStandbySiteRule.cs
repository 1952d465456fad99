using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Components.Patroni;

/// <summary>
/// A standby site must say where its primary is (Patroni's standby_cluster needs a host); a primary site must not, or
/// an operator who meant to promote it would find apply still rendering a source it no longer follows.
/// </summary>
public sealed class PatroniStandbySiteRule : IValidationRule
{
    public IEnumerable<Diagnostic> Check(Site site)
    {
        if (!site.HostsWith(PatroniComponent.Member).Any()) yield break;
        var address = PatroniStandbySite.PrimaryAddress.Get(site);
        if (PatroniStandbySite.IsStandby(site) && address is null)
            yield return new Diagnostic(FindingCodes.DrPrimaryMissing,
                "this site is a standby (datalyptica_site_role: standby) but names no primary site to stream PostgreSQL from.",
                $"set {PatroniStandbySite.PrimaryAddress.Key} to the primary site's PostgreSQL VIP (and {PatroniStandbySite.PrimaryPort.Key} " +
                $"if its HAProxy postgres-primary port is not {PatroniStandbySite.PrimaryPort.Default}), or set datalyptica_site_role: primary.",
                PatroniStandbySite.PrimaryAddress.SourceIn(site) ?? site.SettingsSource, PatroniStandbySite.PrimaryAddress.Key);
        if (!PatroniStandbySite.IsStandby(site) && address is not null)
            yield return new Diagnostic(FindingCodes.DrPrimaryOnPrimarySite,
                $"this site is a primary but sets {PatroniStandbySite.PrimaryAddress.Key} {address}: only a standby site streams from another site.",
                $"remove {PatroniStandbySite.PrimaryAddress.Key} (after `datalyptica dr promote`), or set datalyptica_site_role: standby.",
                PatroniStandbySite.PrimaryAddress.SourceIn(site), PatroniStandbySite.PrimaryAddress.Key);
        var (bucket, stanza) = (PatroniStandbySite.PrimaryBackupsBucket, PatroniStandbySite.PrimaryStanza);
        if (PatroniStandbySite.IsStandby(site) && (bucket.Get(site) is null) != (stanza.Get(site) is null))
        {
            var (set, missing) = bucket.Get(site) is null ? (stanza, bucket) : (bucket, stanza);
            yield return new Diagnostic(FindingCodes.DrPrimaryRepositoryIncomplete,
                $"this standby site sets {set.Key} but not {missing.Key}: its fallback to the primary's pgBackRest repository needs both.",
                $"set {missing.Key} ({(missing == bucket ? "the primary site's backups bucket" : "the primary site's name, its stanza")}), or remove {set.Key} to stream only.",
                set.SourceIn(site) ?? site.SettingsSource, set.Key);
        }
    }
}

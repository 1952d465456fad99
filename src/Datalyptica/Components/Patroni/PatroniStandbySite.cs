using Datalyptica.Components.HAProxy;
using Datalyptica.Components.PostgreSQL;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;

namespace Datalyptica.Components.Patroni;

/// <summary>
/// Active-passive disaster recovery between two sites (Patroni docs, standby_cluster.rst). The primary site keeps a
/// permanent physical replication slot for the standby site and lets it replicate through the primary's VIP
/// (HAProxy's postgres-primary port, so it always reaches the current leader). A site whose site_role is standby runs a
/// Patroni standby cluster: its standby leader streams from that VIP into the slot, its other members cascade from the
/// standby leader, and nothing on it accepts writes until `datalyptica dr promote`.
/// </summary>
public static class PatroniStandbySite
{
    /// <summary>The primary site's permanent slot for the standby site (slots in the DCS: Patroni keeps it on every member).</summary>
    public const string SlotName = "dr_standby";

    public static readonly TextSetting PrimaryAddress = new("dr_primary_address", null,
        "standby site only: the primary site's PostgreSQL VIP (or its DNS name) that the standby leader streams from")
    {
        Accepts = SettingPatterns.IsHostName, PatternDescription = "a host name or IP address", Example = "10.0.1.100",
    };

    public static readonly IntSetting PrimaryPort = new("dr_primary_port", HAProxyComponent.PostgresPrimary.Number, 1, 65535,
        "standby site only: the port on dr_primary_address that reaches the primary site's leader (its HAProxy postgres-primary port)");

    public static readonly ListSetting StandbyNetworks = new("dr_standby_networks",
        "primary site only: the standby site's networks; they may replicate through the VIP into the slot " + SlotName)
    {
        Default = [], Item = SettingPatterns.IsNetwork, ItemDescription = SettingPatterns.NetworkText,
        DefaultDescription = "none (no standby site)", Example = "[10.120.0.0/16]",
    };

    public static readonly TextSetting PrimaryBackupsBucket = new("dr_primary_backups_bucket", null,
        "standby site only: the primary site's pgBackRest bucket on this site's object store (its endpoint and keys); with dr_primary_stanza, " +
        "the standby leader replays the primary's archived WAL from it whenever streaming from dr_primary_address stops")
    {
        Pattern = SettingPatterns.BucketName, PatternDescription = SettingPatterns.BucketNameText, DefaultDescription = "none (streaming only)", Example = "prod-backups",
    };

    public static readonly TextSetting PrimaryStanza = new("dr_primary_stanza", null,
        "standby site only: the primary site's pgBackRest stanza (its site name) in dr_primary_backups_bucket")
    {
        Pattern = SettingPatterns.Token, PatternDescription = SettingPatterns.TokenText, DefaultDescription = "none (streaming only)", Example = "production",
    };

    public static readonly IReadOnlyList<SettingSpec> All = [PrimaryAddress, PrimaryPort, StandbyNetworks, PrimaryBackupsBucket, PrimaryStanza];

    /// <summary>
    /// The primary site's pgBackRest repository a standby falls back to: its bucket and stanza, when the standby names
    /// both (DL127 otherwise). Read through this site's object store, so the same endpoint and keys must reach it.
    /// </summary>
    public static (string Bucket, string Stanza)? PrimaryRepository(Site site) =>
        IsStandby(site) && PrimaryBackupsBucket.Get(site) is { } bucket && PrimaryStanza.Get(site) is { } stanza ? (bucket, stanza) : null;

    /// <summary>
    /// The standby leader's restore_command: archive-get from the primary's stanza in the primary's bucket only
    /// (--repo=1: this site's compliance repository, repo2, never holds the primary's stanza).
    /// </summary>
    public static string? PrimaryRestoreCommand(Site site) =>
        PrimaryRepository(site) is { } repository ? $"pgbackrest --stanza={repository.Stanza} --repo=1 archive-get %f \"%p\"" : null;

    public static bool IsStandby(Site site) => site.Role == SiteRole.Standby;

    /// <summary>
    /// The vault entries a standby site must hold with the primary site's values: a standby is a physical copy, so its
    /// roles and their passwords are the primary's (Patroni logs in as superuser, replication and rewind user; the
    /// exporter as the monitor user; applications as their own roles).
    /// </summary>
    public static IReadOnlyList<string> SharedSecretKeys(Site site) =>
    [
        PostgresLayout.SuperuserPasswordKey, PostgresLayout.ReplicationPasswordKey, PostgresLayout.RewindPasswordKey,
        PostgresLayout.MonitorPasswordKey, .. AppDatabases.For(site).Select(d => d.Database.PasswordSecretKey),
        // The primary's repository is encrypted with it: the fallback's archive-get must decrypt it.
        PgBackRest.CipherPassKey,
    ];

    /// <summary>The primary side is configured: a standby site may replicate from this one.</summary>
    public static IReadOnlyList<string> Networks(Site site) => IsStandby(site) ? [] : StandbyNetworks.Read(site);

    /// <summary>
    /// bootstrap.dcs and the live DCS of a standby site: where to stream from, through which slot, and how the standby
    /// leader is first cloned (pg_basebackup from the primary: the standby site's own pgBackRest repository is empty
    /// until it is promoted and backs itself up). With the primary's repository named, its restore_command: PostgreSQL
    /// replays archived WAL from there whenever the stream is down (standby_cluster.rst: restore_command), and returns
    /// to streaming once the primary answers again.
    /// </summary>
    public static Dictionary<string, object>? StandbyCluster(Site site)
    {
        if (!IsStandby(site) || PrimaryAddress.Get(site) is not { } address) return null;
        var cluster = new Dictionary<string, object>
        {
            ["host"] = address,
            ["port"] = PrimaryPort.Read(site),
            ["primary_slot_name"] = SlotName,
            ["create_replica_methods"] = new[] { "basebackup" },
        };
        if (PrimaryRestoreCommand(site) is { } restore) cluster["restore_command"] = restore;
        return cluster;
    }

    /// <summary>The primary site's permanent slot, kept on every member so it survives a failover there.</summary>
    public static Dictionary<string, object>? Slots(Site site) =>
        Networks(site).Count > 0
            ? new Dictionary<string, object> { [SlotName] = new Dictionary<string, object> { ["type"] = "physical" } }
            : null;

    /// <summary>
    /// pg_hba for the standby leader's replication connection. It arrives through HAProxy, so its source is a load
    /// balancer's address (or a VIP it holds), never the standby site's own: those are what pg_hba admits.
    /// </summary>
    public static IEnumerable<string> HbaLines(RenderContext ctx)
    {
        if (Networks(ctx.Site).Count == 0) yield break;
        var proxies = ctx.Members(HAProxyComponent.Node);
        var sources = proxies.Select(h => h.Address.ToString())
            .Concat(ctx.Site.Vips.Where(v => proxies.Any(h => h.RoleGroups.Contains(v.Group))).Select(v => v.Address.ToString()))
            .Distinct(StringComparer.Ordinal);
        foreach (var source in sources)
            yield return $"host replication {PostgresLayout.ReplicationUser} {source}/{(source.Contains(':') ? 128 : 32)} scram-sha-256";
    }
}

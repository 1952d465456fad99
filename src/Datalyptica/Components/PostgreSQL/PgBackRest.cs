using System.Text;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;

namespace Datalyptica.Components.PostgreSQL;

/// <summary>
/// pgBackRest (Debian's package, 2.45 on Debian 12) with the site's S3 backups bucket as its repository
/// (pgbackrest.org/configuration.html; autobase pgbackrest_conf). Every member lists the others through
/// pgBackRest's TLS server so backups run on a standby (backup-standby) wherever Patroni put the primary.
/// </summary>
public static class PgBackRest
{
    /// <summary>Debian's path; it wins over the package's old /etc/pgbackrest.conf, which pgBackRest reads only when this one is missing.</summary>
    public const string ConfigPath = "/etc/pgbackrest/pgbackrest.conf";
    public const string PkiDir = "/etc/pgbackrest/pki";
    /// <summary>The object store's private CA (site key datalyptica_object_store.ca_certificate), when it has one.</summary>
    public const string ObjectStoreCaPath = "/etc/pgbackrest/object-store-ca.crt";
    public const string SpoolPath = "/var/spool/pgbackrest";
    /// <summary>Debian's log folder, rotated by the package's /etc/logrotate.d/pgbackrest.</summary>
    public const string LogPath = "/var/log/pgbackrest";
    public const string CipherPassKey = "vault_pgbackrest_cipher_pass";
    /// <summary>The CN of the client certificate members present to each other's TLS server.</summary>
    public const string ClientCn = "pgbackrest-client";

    public static string ArchivePushCommand(Site site) => $"pgbackrest --stanza={PostgresLayout.Stanza(site)} archive-push %p";
    public static string ArchiveGetCommand(Site site) => $"pgbackrest --stanza={PostgresLayout.Stanza(site)} archive-get %f \"%p\"";
    public static string RestoreCommand(Site site) => $"/usr/bin/pgbackrest --stanza={PostgresLayout.Stanza(site)} --delta restore";

    /// <summary>One S3 repository on the site's store: repoN-* options (pgbackrest.org/configuration.html#section-repository).</summary>
    private static void Repository(StringBuilder sb, RenderContext ctx, int n, string bucket, Uri endpoint)
    {
        var store = ctx.ObjectStore;
        var repo = $"repo{n}";
        sb.Append($"{repo}-type=s3\n");
        sb.Append($"{repo}-s3-endpoint={IniText.Value(endpoint.Host)}\n");
        if (!endpoint.IsDefaultPort || endpoint.Scheme != "https") sb.Append($"{repo}-storage-port={endpoint.Port}\n");
        sb.Append($"{repo}-s3-bucket={IniText.Value(bucket)}\n");
        sb.Append($"{repo}-s3-region={IniText.Value(store.Region)}\n");
        if (store.CaCertificate is not null) sb.Append($"{repo}-storage-ca-file={ObjectStoreCaPath}\n");
        if (store.PathStyle) sb.Append($"{repo}-s3-uri-style=path\n");
        sb.Append($"{repo}-s3-key={ctx.Secret(store.AccessKey.VarName)}\n");
        sb.Append($"{repo}-s3-key-secret={ctx.Secret(store.SecretKey.VarName)}\n");
        sb.Append($"{repo}-path=/pgbackrest\n");
        sb.Append($"{repo}-bundle=y\n");
        sb.Append($"{repo}-cipher-type=aes-256-cbc\n");
        sb.Append($"{repo}-cipher-pass={ctx.Secret(CipherPassKey)}\n");
    }

    /// <summary>
    /// grep -E for pgBackRest's info JSON: a repository (or the stanza) that lacks the stanza: status 1 (missing stanza
    /// path) or 3 (missing stanza data), pgbackrest.org/command.html#command-info.
    /// </summary>
    public const string StanzaMissingPattern = "'\"status\":\\{\"code\":(1|3),'";

    /// <summary>
    /// Creates the stanza where a repository lacks it, on the primary only: a repository added to a running cluster (the
    /// compliance copy's archive bucket) makes archive-push fail for it until stanza-create has run there. The check runs
    /// again inside the command (at plan time it reads the old configuration; on a first apply no primary exists yet).
    /// </summary>
    public static GuardedCommand StanzaCreate(Site site, Host host)
    {
        var stanza = RemoteCommand.Quote(PostgresLayout.Stanza(site));
        var asPostgres = "runuser -u postgres --";
        var nothingToDo = $"cd / && r=$({asPostgres} psql -h {PostgresLayout.SocketDir} -p {host.Port(PostgreSQLComponent.Server)} -d postgres -XtAq -c 'SELECT pg_is_in_recovery()' 2>/dev/null); " +
                      $"[ \"$r\" != f ] || ! {asPostgres} pgbackrest --stanza={stanza} --output=json info 2>&1 | grep -Eq {StanzaMissingPattern}";
        return new GuardedCommand("pgbackrest-stanza", $"{{ {nothingToDo}; }} || {asPostgres} pgbackrest --stanza={stanza} stanza-create", nothingToDo,
            "the primary's pgBackRest info reports a repository without the stanza")
        {
            OnChangeOfFiles = [ConfigPath],
        };
    }

    public static string Config(RenderContext ctx)
    {
        var site = ctx.Site;
        var host = ctx.Host;
        var store = ctx.ObjectStore;
        var endpoint = new Uri(store.Endpoint);
        var bucket = store.Buckets.TryGetValue("backups", out var b) ? b
            : throw new InvalidOperationException($"the object store of site {site.Name} has no 'backups' bucket. Fix: add one to {SiteKeys.ObjectStore}.");
        var retention = PostgreSQLSettings.RetentionFull.Read(site);
        var retentionType = PostgreSQLSettings.RetentionFullType.Read(site);
        var dataDiskGb = host.Disks.Count > 0 ? host.Disks.Max(d => d.SizeGb) : 100;
        var stanza = PostgresLayout.Stanza(site);
        // pgBackRest's INI has no quoting (src/common/ini.c): site values go through IniText.Value, which refuses what a
        // line cannot hold; secrets stay placeholders until apply.
        var sb = new StringBuilder();
        sb.Append($"# Generated by datalyptica: pgBackRest on {FormatGuard.Comment(host.Name)}, stanza {FormatGuard.Comment(stanza)} (site {FormatGuard.Comment(site.Name)}).\n");
        sb.Append("# Holds the S3 keys and the repository passphrase: root:postgres 0640.\n");
        sb.Append("\n[global]\n");
        sb.Append("# Repository: the site's backups bucket on the external S3 store. The bucket must exist before stanza-create.\n");
        if (endpoint.Scheme != "https")
            sb.Append("# pgBackRest speaks only HTTPS to S3: this endpoint's scheme is not https and must be fronted by TLS.\n");
        if (store.CaCertificate is not null)
            sb.Append("# The store's certificate is signed by a private CA (the site's ca_certificate); TLS is still verified against it.\n");
        if (store.PathStyle)
            sb.Append("# Path-style URIs (bucket in the path, not the host name), as MinIO and Ceph RGW expect.\n");
        sb.Append("# Small files bundled into larger objects: far fewer S3 requests. repo1-block (block incremental) needs\n");
        sb.Append("# pgBackRest 2.46+; Debian 12's 2.45 refuses it without --beta, so it is not set.\n");
        sb.Append("# Encrypted at rest on the object store, whoever else can read the bucket.\n");
        Repository(sb, ctx, 1, bucket, endpoint);
        sb.Append(retentionType == "time"
            ? $"# Keep every full backup needed to restore to any point of the last {FormatGuard.Comment(retention.ToString())} days (retention by time, as autobase);\n"
            : $"# Keep the newest {FormatGuard.Comment(retention.ToString())} full backups (retention by count) and what depends on them;\n");
        sb.Append("# WAL older than the oldest kept backup expires with them (expire runs after every backup).\n");
        sb.Append($"repo1-retention-full-type={IniText.Value(retentionType)}\n");
        sb.Append($"repo1-retention-full={IniText.Value(retention.ToString())}\n");
        if (store.Buckets.TryGetValue(ObjectStore.ArchivePurpose, out var archive))
        {
            var kept = PostgreSQLSettings.ArchiveRetentionFull.Read(site);
            sb.Append("\n# The compliance copy (kept a year): the archive bucket, a second repository that only the\n");
            sb.Append($"# monthly job ({ScheduledBackups.Job(ScheduledBackups.Archive)}.timer) backs up to, full backups only. WAL goes to both\n");
            sb.Append("# repositories (archive-push; with archive-async one unreachable repository does not hold back the other).\n");
            Repository(sb, ctx, 2, archive, endpoint);
            sb.Append($"# The newest {FormatGuard.Comment(kept.ToString())} full backups are kept; WAL only as far back as the newest one needs, so each older\n");
            sb.Append("# copy restores to the moment it ended (its own WAL is always kept) and the latest month to any point.\n");
            sb.Append("repo2-retention-full-type=count\n");
            sb.Append($"repo2-retention-full={IniText.Value(kept.ToString())}\n");
            sb.Append("repo2-retention-archive-type=full\nrepo2-retention-archive=1\n");
        }
        sb.Append('\n');
        sb.Append("compress-type=zst\n");
        sb.Append("\n# Backups: from a standby (the primary only provides the start/stop calls), fast checkpoint at start.\n");
        sb.Append("backup-standby=y\nstart-fast=y\n");
        sb.Append($"# A quarter of the host's {host.VCpu} vCPU: compression must not starve the database it runs next to.\n");
        sb.Append($"process-max={Math.Clamp(host.VCpu / 4, 1, 8)}\n");
        sb.Append("delta=y\n");
        sb.Append("\n# WAL archiving: asynchronous, queued in the spool so archive_command returns fast.\n");
        sb.Append($"archive-async=y\nspool-path={SpoolPath}\narchive-get-queue-max=1GiB\n");
        var queueGb = Math.Max(1, dataDiskGb / 5);
        sb.Append($"# If S3 is unreachable, WAL piles up in pg_wal until the disk is full and PostgreSQL stops. Past {queueGb} GiB\n");
        sb.Append("# (a fifth of the data disk) pgBackRest drops queued WAL instead: the database stays up, point-in-time recovery\n");
        sb.Append("# gets a gap until the next full backup. Alert on archive failures long before this.\n");
        sb.Append($"archive-push-queue-max={queueGb}GiB\n");
        sb.Append($"\nlog-path={LogPath}\nlog-level-file=info\nlog-level-console=warn\n");
        sb.Append("\n# pgBackRest's TLS server (Debian's pgbackrest.service): the other members reach this one here.\n");
        sb.Append($"tls-server-address={IniText.Value(host.Address.ToString())}\n");
        sb.Append($"tls-server-port={ctx.Port(PostgreSQLComponent.PgBackRestTls)}\n");
        sb.Append($"tls-server-cert-file={PkiDir}/server.crt\ntls-server-key-file={PkiDir}/server.key\ntls-server-ca-file={PkiDir}/ca.crt\n");
        sb.Append($"tls-server-auth={ClientCn}={IniText.Value(stanza)}\n");

        sb.Append($"\n[{IniText.Key(stanza)}]\n");
        sb.Append("# pg1 is this host; the other members follow, so backup finds the primary and a standby wherever they are.\n");
        ThisHostAsPg1(sb, ctx);
        var index = 2;
        foreach (var member in ctx.Members(PostgreSQLComponent.Member))
        {
            if (ReferenceEquals(member, host)) continue;
            var n = index++;
            // By name: pgBackRest 2.45 checks the certificate against the name it dials and never matches an IP SAN.
            sb.Append($"pg{n}-host={IniText.Value($"{member.Name}.{site.Domain}")}\n");
            sb.Append($"pg{n}-host-type=tls\n");
            sb.Append($"pg{n}-host-port={member.Port(PostgreSQLComponent.PgBackRestTls)}\n");
            sb.Append($"pg{n}-host-cert-file={PkiDir}/client.crt\npg{n}-host-key-file={PkiDir}/client.key\npg{n}-host-ca-file={PkiDir}/ca.crt\n");
            sb.Append($"pg{n}-path={IniText.Value(PostgresLayout.DataDir(ctx))}\n");
            sb.Append($"pg{n}-port={member.Port(PostgreSQLComponent.Server)}\n");
            sb.Append($"pg{n}-socket-path={PostgresLayout.SocketDir}\n");
        }
        if (Patroni.PatroniStandbySite.PrimaryRepository(site) is { } primary)
        {
            // Options in a stanza's section override [global] for that stanza only (pgbackrest.org/configuration.html).
            sb.Append($"\n[{IniText.Key(primary.Stanza)}]\n");
            sb.Append("# The primary site's repository (dr_primary_backups_bucket): read only, by the standby leader's restore_command\n");
            sb.Append("# (archive-get --repo=1) whenever streaming from the primary stops. Same object store, keys and passphrase.\n");
            sb.Append($"repo1-s3-bucket={IniText.Value(primary.Bucket)}\n");
            sb.Append("# One segment per call: asked for a segment the primary has not archived yet, async archive-get waits out\n");
            sb.Append("# archive-timeout (60 s) before it answers, so a stream-less standby trailed the archive by a minute.\n");
            sb.Append("archive-async=n\n");
            ThisHostAsPg1(sb, ctx);
        }
        return sb.ToString();
    }

    /// <summary>pg1: this host's own cluster (every stanza section a host renders starts from it).</summary>
    private static void ThisHostAsPg1(StringBuilder sb, RenderContext ctx)
    {
        sb.Append($"pg1-path={IniText.Value(PostgresLayout.DataDir(ctx))}\n");
        sb.Append($"pg1-port={ctx.Port(PostgreSQLComponent.Server)}\n");
        sb.Append($"pg1-socket-path={PostgresLayout.SocketDir}\n");
    }
}

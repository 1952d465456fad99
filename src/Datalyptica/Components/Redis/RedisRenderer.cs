using System.Text;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;

namespace Datalyptica.Components.Redis;

/// <summary>
/// Redis data nodes and Sentinels from Debian's redis-server and redis-sentinel packages, so the package's
/// paths are kept (/etc/redis, /var/lib/redis, /run/redis) and its units get drop-ins. The first member of the
/// redis group is the initial primary; after that Sentinel decides, which is why redis.conf and
/// sentinel.conf are seeds (rendered once, then owned by the running services).
/// </summary>
public sealed class RedisRenderer : IComponentRenderer
{
    public const string ConfPath = "/etc/redis/redis.conf";
    public const string SentinelConfPath = "/etc/redis/sentinel.conf";
    public const string ServerDropInPath = "/etc/systemd/system/redis-server.service.d/datalyptica.conf";
    public const string SentinelDropInPath = "/etc/systemd/system/redis-sentinel.service.d/datalyptica.conf";
    public const string ExporterDefaultsPath = "/etc/default/prometheus-redis-exporter";
    /// <summary>
    /// The password alone, root 0600, for the checks apply and restart run with redis-cli (REDISCLI_AUTH). Not read from
    /// redis.conf: Sentinel's failover makes Redis rewrite that file (CONFIG REWRITE), which writes the value quoted
    /// (requirepass "..."), so a check reading it would authenticate with the quotes and fail after the first failover.
    /// Under our own root-owned folder: /etc/redis belongs to the redis user, and apply refuses to write a root file there.
    /// </summary>
    public static readonly string CliAuthPath = PlatformPaths.Config("redis") + "/cli.auth";
    public const string ServiceUser = "redis";
    // 3000, not 5000: Sentinel must promote within 5 s of a crashed master. `datalyptica drill SITE redis-crash` measured
    // down-after 5000 as more than 5 s (down-after + election); the lab measured 4.1-4.5 s with 3000.

    private static readonly RedisComponent Component = new();
    public static string LogDir => PlatformPaths.Logs("redis");

    /// <summary>The name Sentinel monitors the group under; clients ask Sentinel for it.</summary>
    public static string MasterName(Site site) => $"{site.Name}-redis";

    public IEnumerable<RenderedFile> Render(RenderContext ctx)
    {
        if (ctx.Has(RedisComponent.Data))
        {
            yield return new RenderedFile(Component.Id, ConfPath, ServerConf(ctx))
                { Owner = ServiceUser, Group = ServiceUser, Mode = Modes.Private, Kind = FileKind.Seed };
            yield return new RenderedFile(Component.Id, ServerDropInPath, ServerDropIn(ctx)) { Kind = FileKind.SystemdUnit };
            yield return new RenderedFile(Component.Id, ExporterDefaultsPath, ExporterDefaults(ctx))
                { Mode = Modes.OwnerOnly };
            yield return new RenderedFile(Component.Id, CliAuthPath, ctx.Secret(RedisComponent.PasswordKey) + "\n") { Mode = Modes.OwnerOnly };
        }
        if (ctx.Has(RedisComponent.Sentinel))
        {
            yield return new RenderedFile(Component.Id, SentinelConfPath, SentinelConf(ctx))
                { Owner = ServiceUser, Group = ServiceUser, Mode = Modes.Private, Kind = FileKind.Seed };
            yield return new RenderedFile(Component.Id, SentinelDropInPath, SentinelDropIn()) { Kind = FileKind.SystemdUnit };
        }
    }

    /// <summary>The initial primary: the first member of the redis group (inventory order, stable).</summary>
    public static Host InitialPrimary(RenderContext ctx) => ctx.Members(RedisComponent.Data)[0];

    /// <summary>maxmemory in MB: redis_maxmemory_mb, else half of what the host has left after the OS and the co-located roles.</summary>
    public static int MaxMemoryMb(RenderContext ctx)
    {
        if (RedisSettings.MaxMemoryMb.Get(ctx.Site, ctx.Host) is { } set) return set;
        var ownGb = ctx.Host.Roles.Where(r => r.Component.Id == Component.Id).Sum(r => r.Needs.RamGb);
        var othersMb = (int)((ctx.Host.Needs.RamGb - ownGb) * 1024);
        var leftMb = ctx.Host.RamGb * 1024 - othersMb;
        // Half: a fork for AOF rewrite or a full resync can need up to twice the dataset under write load
        // (redis.io, "Memory optimization" and the persistence page on copy-on-write).
        return Math.Clamp(leftMb / 2, 256, 64 * 1024);
    }

    /// <summary>Longer than Sentinel's down-after plus its election, so a failover happens before the old primary returns.</summary>
    public static int RestartSec(RenderContext ctx) => Math.Max(15, 3 * DownAfterMs(ctx) / 1000);

    public static int SentinelQuorum(RenderContext ctx) => ctx.Members(RedisComponent.Sentinel).Count / 2 + 1;

    public static int DownAfterMs(RenderContext ctx) => DownAfterMs(ctx.Site, ctx.Host);

    public static int DownAfterMs(Site site, Host host) => RedisSettings.DownAfterMs.Read(site, host);

    public const int FailoverTimeoutMs = 60000, ParallelSyncs = 1;

    /// <summary>
    /// The monitoring settings each Sentinel must run with. sentinel.conf is seed-only (Sentinel rewrites it), so after the
    /// first start apply checks them live (<c>SENTINEL MASTER</c>, read-only) and sets them with <c>SENTINEL SET</c>, which
    /// also rewrites the file: a changed redis_sentinel_down_after_ms reaches running Sentinels.
    /// </summary>
    public static (string Check, string Set) SentinelSettings(Site site, Host host)
    {
        var cli = $"redis-cli -h {host.Address} -p {host.Port(RedisComponent.SentinelPort)}";
        var name = RemoteCommand.Quote(MasterName(site));
        var settings = new (string Key, int Value)[] { ("down-after-milliseconds", DownAfterMs(site, host)), ("failover-timeout", FailoverTimeoutMs), ("parallel-syncs", ParallelSyncs) };
        // redis-cli exits 0 on an error reply too: the check reads the fields, the set must answer OK.
        var check = $"out=$({cli} sentinel master {name}) && for kv in {string.Join(' ', settings.Select(s => RemoteCommand.Quote($"{s.Key} {s.Value}")))}; " +
                    "do printf '%s\\n' \"$out\" | paste -d' ' - - | grep -Fxq \"$kv\" || exit 1; done";
        var set = $"{cli} sentinel set {name} {string.Join(' ', settings.Select(s => $"{s.Key} {s.Value}"))} | grep -qx OK";
        return (check, set);
    }

    /// <summary>
    /// The replication safety settings each server must run with. redis.conf is seed-only (Redis rewrites it), so after the
    /// first start apply reads them live (CONFIG GET) and sets them with CONFIG SET, then CONFIG REWRITE so a restart keeps
    /// them: a changed redis_min_replicas_max_lag reaches running servers. The password is read on the host into
    /// redis-cli's environment (<see cref="RedisComponent.Cli"/>).
    /// </summary>
    public static (string Check, string Set) ServerSettings(Site site, Host host)
    {
        var replicas = site.HostsWith(RedisComponent.Data).Count() - 1;
        var settings = new (string Key, long Value)[]
        {
            ("min-replicas-to-write", replicas > 0 ? 1 : 0),
            ("min-replicas-max-lag", RedisSettings.MinReplicasMaxLag.ReadLong(site, host)),
        };
        var cli = RedisComponent.Cli(host);
        // redis-cli prints CONFIG GET as the name and the value on two lines; it exits 0 on an error reply too.
        var check = string.Join(" && ", settings.Select(kv => $"[ \"$({cli} config get {kv.Key} | sed -n 2p)\" = {kv.Value} ]"));
        var set = string.Join(" && ", settings.Select(kv => $"{cli} config set {kv.Key} {kv.Value} | grep -qx OK")) + $" && {cli} config rewrite | grep -qx OK";
        return (check, set);
    }

    private static string ServerConf(RenderContext ctx)
    {
        var host = ctx.Host;
        var primary = InitialPrimary(ctx);
        var password = ctx.Secret(RedisComponent.PasswordKey);
        var maxMb = MaxMemoryMb(ctx);
        // Every value from the site goes through RedisConf.Quote (one argument each), comments through FormatGuard.Comment.
        // Secrets stay placeholders here; the engine fills them in at apply time.
        var policy = RedisConf.Quote(RedisSettings.MaxMemoryPolicy.Read(ctx.Site, ctx.Host), RedisSettings.MaxMemoryPolicy.Key);
        var replicas = ctx.Members(RedisComponent.Data).Count - 1;
        var maxLag = RedisSettings.MinReplicasMaxLag.ReadLong(ctx.Site, ctx.Host);
        // The backlog lets a replica that blinked resume with a partial resync instead of a full copy.
        var backlogMb = Math.Clamp(maxMb / 64, 64, 512);
        var sb = new StringBuilder();
        sb.Append($"""
            # Generated by datalyptica for {FormatGuard.Comment(host.Name)} (site {FormatGuard.Comment(ctx.Site.Name)}), Debian redis-server paths.
            # SEED: written once. Afterwards Redis owns this file: on failover Sentinel sends REPLICAOF and
            # CONFIG REWRITE, which rewrites `replicaof` here. Re-rendering it would point a promoted primary
            # back at the old one. Later changes go through CONFIG SET + CONFIG REWRITE.
            # (An `include` of a tool-owned file does not help: CONFIG REWRITE copies every included non-default
            # value into this file, where it then shadows the include. Checked on redis 7.0.)

            bind {RedisConf.Quote(host.Address.ToString())} 127.0.0.1
            protected-mode yes
            port {ctx.Port(RedisComponent.Server)}
            tcp-backlog 511
            tcp-keepalive 60
            timeout 0
            daemonize no
            supervised systemd
            pidfile /run/redis/redis-server.pid
            loglevel notice
            logfile {RedisConf.Quote($"{LogDir}/redis-server.log")}
            dir /var/lib/redis
            maxclients 10000

            # Any node can be promoted, so every node both requires the password and uses it towards its primary.
            requirepass {password}
            masterauth {password}

            # Persistence ON. Debian's unit restarts Redis within a second (Restart=always, changed to on-failure by
            # the drop-in); a primary without persistence comes back EMPTY before Sentinel notices, and its replicas
            # resync to the empty dataset: the data is gone everywhere (redis.io replication docs, "Safety of
            # replication when master has persistence turned off"; reproduced in the lab).
            appendonly yes
            appendfsync everysec
            appendfilename "appendonly.aof"
            aof-use-rdb-preamble yes
            auto-aof-rewrite-percentage 100
            auto-aof-rewrite-min-size 64mb
            no-appendfsync-on-rewrite no
            save 3600 1 300 100 60 10000
            stop-writes-on-bgsave-error yes
            dbfilename dump.rdb

            # Replication. A partitioned old primary stops accepting writes when no replica has acked within
            # {maxLag} s ({RedisSettings.MinReplicasMaxLag.Key}), which bounds what it acknowledges and then loses when
            # Sentinel demotes it (docs/DRILLS.md, redis-partition).
            min-replicas-to-write {(replicas > 0 ? 1 : 0)}
            min-replicas-max-lag {maxLag}
            replica-read-only yes
            replica-serve-stale-data yes
            repl-diskless-sync yes
            repl-diskless-sync-delay 5
            repl-backlog-size {backlogMb}mb
            replica-priority 100

            # Memory: half of what is left on this host ({host.RamGb} GB) after the OS and co-located roles, or
            # {RedisSettings.MaxMemoryMb}. {RedisSettings.MaxMemoryPolicy.Default} (default, {RedisSettings.MaxMemoryPolicy}) evicts only keys with a TTL (caches, sessions) and never
            # queue entries without one; once none are left, writes fail loudly instead of dropping data.
            maxmemory {maxMb}mb
            maxmemory-policy {policy}
            maxmemory-samples 10

            slowlog-log-slower-than 10000
            slowlog-max-len 256
            latency-monitor-threshold 100

            """.Replace("\r", ""));
        if (!ReferenceEquals(primary, host))
            sb.Append($"""

                # Initial role: replica of the first member of the redis group. Sentinel rewrites this after a failover.
                replicaof {RedisConf.Quote(primary.Address.ToString())} {primary.Port(RedisComponent.Server)}

                """);
        return sb.ToString();
    }

    private static string SentinelConf(RenderContext ctx)
    {
        var host = ctx.Host;
        var primary = InitialPrimary(ctx);
        var name = RedisConf.Quote(MasterName(ctx.Site));
        var sentinels = ctx.Members(RedisComponent.Sentinel).Count;
        return $"""
            # Generated by datalyptica for {FormatGuard.Comment(host.Name)} (site {FormatGuard.Comment(ctx.Site.Name)}), Debian redis-sentinel paths.
            # SEED: render once, never fight it. Sentinel rewrites this file itself (it records the current
            # primary, the known replicas and sentinels, and the config epoch); overwriting it would make this
            # Sentinel forget a failover (redis.io Sentinel docs).

            bind {RedisConf.Quote(host.Address.ToString())} 127.0.0.1
            port {ctx.Port(RedisComponent.SentinelPort)}
            daemonize no
            supervised systemd
            pidfile /run/sentinel/redis-sentinel.pid
            logfile {RedisConf.Quote($"{LogDir}/sentinel.log")}
            dir /var/lib/redis
            sentinel resolve-hostnames no
            sentinel deny-scripts-reconfig yes

            # Quorum {sentinels / 2 + 1} of {sentinels}: a majority marks the primary objectively down; the failover
            # itself always needs a majority of all Sentinels, so a minority partition cannot promote.
            sentinel monitor {name} {RedisConf.Quote(primary.Address.ToString())} {primary.Port(RedisComponent.Server)} {sentinels / 2 + 1}
            sentinel auth-pass {name} {ctx.Secret(RedisComponent.PasswordKey)}
            # {DownAfterMs(ctx)} ms ({RedisSettings.DownAfterMs}): the lab measured 3000 ms -> a new primary in ~4.3 s;
            # 5000 keeps a VM stall or live migration from causing a needless failover, at ~2 s more.
            sentinel down-after-milliseconds {name} {DownAfterMs(ctx)}
            sentinel failover-timeout {name} {FailoverTimeoutMs}
            # Resync one replica at a time, so the others keep serving reads during a failover.
            sentinel parallel-syncs {name} {ParallelSyncs}

            """.Replace("\r", "");
    }

    private static string ServerDropIn(RenderContext ctx) => $"""
        # Generated by datalyptica. Drop-in for Debian's redis-server.service.
        # Debian ships Restart=always. Together with a restart within a second, a crashed primary used to come
        # back (possibly empty) before Sentinel's down-after elapsed, so no failover happened and the replicas
        # resynced from it (found on the lab, Redis 7 + Sentinel). on-failure + a pause longer than
        # Sentinel's down-after lets Sentinel promote a replica first; the old primary then rejoins as a replica.
        [Service]
        Restart=on-failure
        RestartSec={RestartSec(ctx)}
        # The unit uses ProtectSystem=strict: allow our log folder.
        ReadWritePaths=-{LogDir}
        LimitNOFILE=65536

        """;

    private static string SentinelDropIn() => $"""
        # Generated by datalyptica. Drop-in for Debian's redis-sentinel.service: Sentinel keeps no data, so
        # Debian's Restart=always stays; it only needs to write its log folder under ProtectSystem=strict.
        [Service]
        ReadWritePaths=-{LogDir}

        """;

    private static string ExporterDefaults(RenderContext ctx) => $"""
        # Generated by datalyptica. Environment of Debian's prometheus-redis-exporter.service.
        # Read by systemd (root) only, hence root-owned 0600: the password is passed as an environment variable so
        # it never shows in `ps` (redis_exporter reads REDIS_ADDR, REDIS_PASSWORD, REDIS_EXPORTER_WEB_LISTEN_ADDRESS).
        REDIS_ADDR=redis://127.0.0.1:{ctx.Port(RedisComponent.Server)}
        REDIS_PASSWORD={ctx.Secret(RedisComponent.PasswordKey)}
        REDIS_EXPORTER_WEB_LISTEN_ADDRESS={ctx.Host.Address}:{ctx.Port(RedisComponent.Exporter)}
        ARGS=""

        """;
}

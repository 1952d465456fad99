using Datalyptica.Components.Etcd;
using Datalyptica.Components.HAProxy;
using Datalyptica.Components.PostgreSQL;
using Datalyptica.Model;
using Datalyptica.Rendering;

namespace Datalyptica.Components.Patroni;

/// <summary>
/// Patroni from Debian's package: its patroni.service runs <c>/usr/bin/patroni /etc/patroni/config.yml</c> as
/// postgres, so that is the file rendered here (Patroni docs yaml_configuration.rst, patroni_configuration.rst;
/// autobase's patroni.yml.j2). Patroni writes postgresql.conf from it, so PostgreSQL's settings live here too.
/// </summary>
public sealed class PatroniRenderer : IComponentRenderer
{
    public const string ConfigPath = "/etc/patroni/config.yml";
    public const string PostBootstrapPath = "/etc/patroni/post-bootstrap.sh";
    public const string DropInPath = "/etc/systemd/system/patroni.service.d/10-datalyptica.conf";
    public const string PkiDir = "/etc/patroni/pki";
    public const string RestPasswordKey = "vault_patroni_rest_password";
    public const string RestUser = "patroni";
    public static readonly string LogDir = PlatformPaths.Logs("patroni");

    // 20/3/8 (not Patroni's 30/10/10): a leader crash must be served again within 30 s in the worst case. Measured by
    // `datalyptica drill SITE patroni-crash` on the lab: 30/10/10 allows ttl 30 + loop_wait 10 + HAProxy before any
    // write = over 40 s. 20/3/8 allows ttl 20 + loop_wait 3 + member check 2 + promote 1 + HAProxy 2 = 28 s
    // (ttl >= 20 is Patroni's floor; loop_wait + 2 x retry_timeout = 19 <= ttl).
    public const int DefaultTtl = 20, DefaultLoopWait = 3, DefaultRetryTimeout = 8;
    public const int DefaultMaximumLagOnFailover = 1048576;

    public IEnumerable<RenderedFile> Render(RenderContext ctx)
    {
        var component = PatroniComponent.Member.Component;
        yield return ctx.File(component, ConfigPath, Config(ctx)) with { Group = "postgres", Mode = Modes.Private };
        yield return ctx.File(component, PostBootstrapPath, PostBootstrap(ctx)) with
        {
            Group = "postgres", Kind = FileKind.Script,
            Mode = Modes.Private | UnixFileMode.UserExecute | UnixFileMode.GroupExecute,
        };
        yield return ctx.File(component, DropInPath, DropIn()) with { Kind = FileKind.SystemdUnit };
        foreach (var f in Pki.TlsFiles.For(ctx, component, Pki.CertificateCatalog.EtcdClient, $"{PkiDir}/etcd-client.crt", $"{PkiDir}/etcd-client.key", $"{PkiDir}/etcd-ca.crt", "postgres")) yield return f;
    }

    public static string Scope(Site site) =>
        site.Var("patroni_cluster_name")?.AsString() is { Length: > 0 } name ? name : site.Name;

    public static (int Ttl, int LoopWait, int RetryTimeout) Timing(Site site)
    {
        var ttl = site.IntVar("patroni_ttl", DefaultTtl);
        var loop = site.IntVar("patroni_loop_wait", DefaultLoopWait);
        var retry = site.IntVar("patroni_retry_timeout", DefaultRetryTimeout);
        if (loop + 2 * retry > ttl || ttl < 20 || loop < 1 || retry < 3)
            throw new InvalidOperationException(
                $"patroni_ttl {ttl}, patroni_loop_wait {loop}, patroni_retry_timeout {retry}: Patroni needs loop_wait + 2 x retry_timeout <= ttl " +
                "(ttl >= 20, loop_wait >= 1, retry_timeout >= 3; dynamic_configuration.rst). Fix: the defaults are 20/3/8.");
        return (ttl, loop, retry);
    }

    /// <summary>"addr:port" of every etcd member with its own client port, in inventory order.</summary>
    public static List<string> EtcdHosts(RenderContext ctx) => ctx.Endpoints(EtcdComponent.Member, EtcdComponent.Client).ToList();

    /// <summary>pg_hba: members for replication and rewind, HAProxy (and its VIPs) for the applications, nothing else.</summary>
    public static List<string> PgHba(RenderContext ctx)
    {
        const string scram = "scram-sha-256";
        var hba = new List<string>
        {
            "local all postgres peer",
            $"local all all {scram}",
            $"host all all 127.0.0.1/32 {scram}",
            $"host replication {PostgresLayout.ReplicationUser} 127.0.0.1/32 {scram}",
        };
        foreach (var member in ctx.Members(PostgreSQLComponent.Member))
            hba.Add($"host replication {PostgresLayout.ReplicationUser} {member.Address}/32 {scram}");
        foreach (var member in ctx.Members(PostgreSQLComponent.Member))
            hba.Add($"host all all {member.Address}/32 {scram}");
        foreach (var proxy in ctx.Members(HAProxyComponent.Node))
            hba.Add($"host all all {proxy.Address}/32 {scram}");
        foreach (var vip in ctx.Site.Vips.Where(v => ctx.Members(HAProxyComponent.Node).Any(h => h.RoleGroups.Contains(v.Group))))
            hba.Add($"host all all {vip.Address}/32 {scram}");
        hba.Add("host all all 0.0.0.0/0 reject");
        return hba;
    }

    /// <summary>Parameters that only the DCS decides (local values are ignored) and that must match on every member.</summary>
    public static Dictionary<string, object> DcsParameters(RenderContext ctx)
    {
        var members = ctx.Members(PostgreSQLComponent.Member).Count;
        var senders = Math.Max(20, 2 * members + 4);
        return new()
        {
            ["max_connections"] = PostgresLayout.MaxConnections(ctx.Site),
            ["max_locks_per_transaction"] = 256,
            ["max_worker_processes"] = PostgresLayout.MaxWorkerProcesses(ctx),
            ["max_prepared_transactions"] = 0,
            ["wal_level"] = "replica",
            ["track_commit_timestamp"] = "off",
            ["max_wal_senders"] = senders,
            ["max_replication_slots"] = senders,
            ["wal_keep_size"] = "1GB",
            ["wal_log_hints"] = "on",
            ["hot_standby"] = "on",
        };
    }

    /// <summary>This host's parameters: memory from its RAM (PGTune), archiving through pgBackRest, logging.</summary>
    public static Dictionary<string, object> LocalParameters(RenderContext ctx)
    {
        var host = ctx.Host;
        var memory = PostgresLayout.MemoryFor(ctx);
        var diskGb = host.Disks.Count > 0 ? host.Disks.Max(d => d.SizeGb) : 100;
        var p = new Dictionary<string, object>
        {
            ["shared_buffers"] = Sizing.Units(memory.SharedBuffersMb),
            ["effective_cache_size"] = Sizing.Units(memory.EffectiveCacheMb),
            ["maintenance_work_mem"] = Sizing.Units(memory.MaintenanceWorkMemMb),
            ["work_mem"] = Sizing.Units(memory.WorkMemMb),
            ["wal_buffers"] = Sizing.Units(memory.WalBuffersMb),
            ["huge_pages"] = "try",
            ["max_parallel_workers"] = host.VCpu,
            ["max_parallel_workers_per_gather"] = Math.Clamp(host.VCpu / 2, 1, 4),
            ["max_parallel_maintenance_workers"] = Math.Clamp(host.VCpu / 2, 1, 4),
            ["autovacuum_max_workers"] = Math.Max(3, host.VCpu / 4),
            ["checkpoint_timeout"] = "15min",
            ["checkpoint_completion_target"] = "0.9",
            ["max_wal_size"] = Sizing.Units(Math.Min(8192, diskGb * 1024 / 50)),
            ["min_wal_size"] = "1GB",
            ["max_slot_wal_keep_size"] = Sizing.Units(diskGb * 1024 / 10),
            ["wal_compression"] = "on",
            ["hot_standby_feedback"] = "on",
            ["archive_mode"] = "on",
            ["archive_command"] = PgBackRest.ArchivePushCommand(ctx.Site),
            ["archive_timeout"] = "1800s",
            ["password_encryption"] = "scram-sha-256",
            ["unix_socket_directories"] = PostgresLayout.SocketDir,
            ["shared_preload_libraries"] = "pg_stat_statements",
            ["pg_stat_statements.max"] = 10000,
            ["pg_stat_statements.track"] = "all",
            ["track_io_timing"] = "on",
            ["jit"] = "off",
            ["logging_collector"] = "on",
            ["log_directory"] = PostgresLayout.LogDir,
            ["log_filename"] = "postgresql-%a.log",
            ["log_truncate_on_rotation"] = "on",
            ["log_rotation_age"] = "1d",
            ["log_rotation_size"] = "0",
            ["log_line_prefix"] = "%m [%p] %q%u@%d ",
            ["log_min_duration_statement"] = "1s",
            ["log_checkpoints"] = "on",
            ["log_lock_waits"] = "on",
            ["log_temp_files"] = "0",
            ["log_autovacuum_min_duration"] = "10s",
        };
        if (PostgresLayout.OnFlash(host))
        {
            p["random_page_cost"] = "1.1";
            p["effective_io_concurrency"] = 200;
        }
        // PostgreSQL 16+ only (15 rejects the name): a 2MB ring for VACUUM, PostgreSQL 17's new default.
        if (PostgresLayout.MajorNumber(ctx) >= 16) p["vacuum_buffer_usage_limit"] = "2MB";
        return p;
    }

    private static object SynchronousMode(Site site) =>
        site.Var("patroni_synchronous_mode")?.AsString() is "quorum" ? "quorum" : site.BoolVar("patroni_synchronous_mode", true);

    private static string Config(RenderContext ctx)
    {
        var host = ctx.Host;
        var site = ctx.Site;
        var (ttl, loopWait, retry) = Timing(site);
        var rest = $"{host.Address}:{ctx.Port(PatroniComponent.RestApi)}";
        var pgPort = ctx.Port(PostgreSQLComponent.Server);
        var stanza = PostgresLayout.Stanza(site);
        var members = ctx.Members(PostgreSQLComponent.Member);

        return new CommentedYaml(
                $"Generated by datalyptica: Patroni member {host.Name} of cluster {Scope(site)} ({members.Count} members, site {site.Name}).\n" +
                "Holds passwords: root:postgres 0640. Patroni renders postgresql.conf and pg_hba.conf from this file.")
            .Add("scope", Scope(site))
            .Add("name", host.Name)
            .Add("log", new Dictionary<string, object> { ["dir"] = LogDir, ["file_num"] = 10, ["file_size"] = 26214400, ["level"] = "INFO" },
                "Patroni rotates its own log (10 x 25 MB).")
            .Add("restapi", new Dictionary<string, object>
            {
                ["listen"] = rest,
                ["connect_address"] = rest,
                ["authentication"] = new Dictionary<string, object> { ["username"] = RestUser, ["password"] = ctx.Secret(RestPasswordKey) },
                ["allowlist"] = new[] { "127.0.0.1" },
                ["allowlist_include_members"] = true,
            }, "HAProxy checks GET /primary and /replica here (port per member). Authentication and the allowlist guard only the\n" +
               "unsafe verbs (switchover, restart, reinitialize): GETs stay open to HAProxy and Prometheus (security.rst).")
            .Add("etcd3", new Dictionary<string, object>
            {
                ["hosts"] = EtcdHosts(ctx),
                ["protocol"] = "https",
                ["cacert"] = $"{PkiDir}/etcd-ca.crt",
                ["cert"] = $"{PkiDir}/etcd-client.crt",
                ["key"] = $"{PkiDir}/etcd-client.key",
            }, "Every etcd member with its client port. Patroni talks to etcd's gRPC gateway over mutual TLS.")
            .Add("bootstrap", new Dictionary<string, object>
            {
                ["dcs"] = new Dictionary<string, object>
                {
                    ["ttl"] = ttl,
                    ["loop_wait"] = loopWait,
                    ["retry_timeout"] = retry,
                    ["maximum_lag_on_failover"] = site.IntVar("patroni_maximum_lag_on_failover", DefaultMaximumLagOnFailover),
                    ["primary_start_timeout"] = 300,
                    ["synchronous_mode"] = SynchronousMode(site),
                    ["synchronous_mode_strict"] = site.BoolVar("patroni_synchronous_mode_strict", false),
                    ["synchronous_node_count"] = site.IntVar("patroni_synchronous_node_count", 1),
                    ["failsafe_mode"] = true,
                    ["postgresql"] = new Dictionary<string, object>
                    {
                        ["use_pg_rewind"] = true,
                        ["use_slots"] = true,
                        ["parameters"] = DcsParameters(ctx),
                    },
                },
                ["initdb"] = new object[]
                {
                    new Dictionary<string, object> { ["encoding"] = "UTF8" },
                    new Dictionary<string, object> { ["locale"] = "C.UTF-8" },
                    "data-checksums",
                },
                ["post_bootstrap"] = PostBootstrapPath,
                ["pg_hba"] = PgHba(ctx),
            }, "bootstrap.dcs is read ONCE, when the cluster is first created; later changes go through `patronictl edit-config`.\n" +
               "loop_wait + 2 x retry_timeout <= ttl. synchronous_mode: a commit waits for a synchronous standby (RPO 0);\n" +
               "strict mode would also stop writes when no standby is left. failsafe_mode keeps the primary up while etcd\n" +
               "is down if it can still reach every member. The parameters below are DCS-only: a local value is ignored.\n" +
               "bootstrap.pg_hba repeats postgresql.pg_hba (which wins after bootstrap): Patroni 3.0's validator requires it.")
            .Add("postgresql", new Dictionary<string, object>
            {
                ["listen"] = $"{host.Address},127.0.0.1:{pgPort}",
                ["connect_address"] = $"{host.Address}:{pgPort}",
                ["data_dir"] = PostgresLayout.DataDir(ctx),
                ["bin_dir"] = PostgresLayout.BinDir(ctx),
                ["pgpass"] = "/var/lib/postgresql/.pgpass_patroni",
                ["use_unix_socket"] = true,
                ["authentication"] = new Dictionary<string, object>
                {
                    ["superuser"] = User(ctx, PostgresLayout.Superuser, PostgresLayout.SuperuserPasswordKey),
                    ["replication"] = User(ctx, PostgresLayout.ReplicationUser, PostgresLayout.ReplicationPasswordKey),
                    ["rewind"] = User(ctx, PostgresLayout.RewindUser, PostgresLayout.RewindPasswordKey),
                },
                ["parameters"] = LocalParameters(ctx),
                ["recovery_conf"] = new Dictionary<string, object> { ["restore_command"] = PgBackRest.ArchiveGetCommand(site) },
                ["pg_hba"] = PgHba(ctx),
                ["create_replica_methods"] = new[] { "pgbackrest", "basebackup" },
                ["pgbackrest"] = new Dictionary<string, object>
                {
                    ["command"] = PgBackRest.RestoreCommand(site),
                    ["keep_data"] = true,
                    ["no_params"] = true,
                },
                ["basebackup"] = new Dictionary<string, object> { ["checkpoint"] = "fast" },
                // `datalyptica drill SITE vip-crash` crashed the leader's host; back up, pg_rewind failed ("could not find
                // common ancestor of the source and target cluster's timelines") and the member hung in "starting" until
                // a manual `patronictl reinit`. With synchronous replication every acknowledged commit is on the promoted
                // standby, so re-cloning the diverged former leader loses nothing acknowledged; without it, keep its data.
                ["remove_data_directory_on_rewind_failure"] = SynchronousMode(site) is not false,
                ["remove_data_directory_on_diverged_timelines"] = false,
            }, $"Memory from this host's RAM less its other roles (PGTune): {host.RamGb} GB host, {PostgresLayout.BudgetMb(ctx) / 1024.0:0.#} GB for PostgreSQL.\n" +
               "A new replica restores from the pgBackRest repository (stanza " + stanza + ") and replays WAL; pg_basebackup from\n" +
               "the primary is the fallback. No data directory is ever removed automatically after a failed rewind.")
            .Add("watchdog", new Dictionary<string, object> { ["mode"] = "automatic", ["device"] = "/dev/watchdog", ["safety_margin"] = 5 },
                "A hung primary is reset before its leader key expires (watchdog.rst); 'automatic' runs on without a device.")
            .Add("tags", new Dictionary<string, object>
            {
                ["nofailover"] = false, ["noloadbalance"] = false, ["clonefrom"] = false, ["nosync"] = false,
            })
            .ToString();
    }

    private static Dictionary<string, object> User(RenderContext ctx, string name, string secret) =>
        new() { ["username"] = name, ["password"] = ctx.Secret(secret) };

    /// <summary>
    /// Run once by Patroni after it bootstraps the cluster, with a superuser connection URL as $1
    /// (bootstrap.post_bootstrap). Creates the exporter's role; the password is passed as a psql variable so no
    /// character of it can break the SQL.
    /// </summary>
    private static string PostBootstrap(RenderContext ctx) =>
        "#!/bin/sh\n" +
        "# Generated by datalyptica. Patroni runs this once, on the member that bootstraps the cluster (post_bootstrap),\n" +
        "# with a superuser connection URL as $1. Holds a password: root:postgres 0750.\n" +
        "set -eu\n" +
        "monitor_password=$(cat <<'SECRET'\n" +
        ctx.Secret(PostgresLayout.MonitorPasswordKey) + "\n" +
        "SECRET\n)\n" +
        "psql \"$1\" -X -q -v ON_ERROR_STOP=1 -v monitor_password=\"$monitor_password\" <<'SQL'\n" +
        $"SELECT format('CREATE ROLE {PostgresLayout.MonitorUser} LOGIN IN ROLE pg_monitor PASSWORD %L', :'monitor_password')\n" +
        $"WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{PostgresLayout.MonitorUser}') \\gexec\n" +
        "SQL\n";

    private static string DropIn() =>
        "# Generated by datalyptica: changes to Debian's patroni.service.\n[Unit]\n" +
        "After=network-online.target\nWants=network-online.target\n\n[Service]\n" +
        "# The watchdog (mode automatic): load softdog and hand the device to postgres. '+' runs these as root although\n" +
        "# the unit runs as postgres; '-' lets Patroni start without a watchdog where the module cannot load (containers).\n" +
        "ExecStartPre=-+/sbin/modprobe softdog\nExecStartPre=-+/bin/chown postgres /dev/watchdog\n" +
        "# Debian allows 30 s; a primary with many GB of shared_buffers can need longer for its shutdown checkpoint, and\n" +
        "# KillMode=process would then leave PostgreSQL running without Patroni.\n" +
        "TimeoutStopSec=300\nLimitNOFILE=65536\n";
}

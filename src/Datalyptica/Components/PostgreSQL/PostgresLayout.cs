using System.Globalization;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;

namespace Datalyptica.Components.PostgreSQL;

/// <summary>
/// Where PostgreSQL lives (Debian's postgresql-N package paths), who connects, and how big its memory is on a
/// host. Shared by the Patroni renderer (which owns postgresql.conf through Patroni) and the pgBackRest files.
/// </summary>
public static class PostgresLayout
{
    public const string SuperuserPasswordKey = "vault_postgresql_superuser_password";
    public const string ReplicationPasswordKey = "vault_postgresql_replication_password";
    public const string RewindPasswordKey = "vault_postgresql_rewind_password";
    public const string MonitorPasswordKey = "vault_postgresql_monitor_password";

    public const string Superuser = "postgres";
    public const string ReplicationUser = "replicator";
    public const string RewindUser = "rewind_user";
    /// <summary>postgres_exporter's login role (member of pg_monitor), created by Patroni's post_bootstrap script.</summary>
    public const string MonitorUser = "monitor";

    public const string SocketDir = "/var/run/postgresql";
    public static readonly string LogDir = PlatformPaths.Logs("postgresql");

    public static string Major(RenderContext ctx) => MajorOf(ctx.Version(PostgreSQLComponent.Member.Component));
    /// <summary>"16.2" → "16"; "15" → "15".</summary>
    public static string MajorOf(string version) => version.Split('.')[0].Trim();
    public static int MajorNumber(RenderContext ctx) => int.Parse(Major(ctx), CultureInfo.InvariantCulture);

    /// <summary>
    /// /var/lib/postgresql/15/datalyptica: beside, never inside, the cluster Debian's package creates on install
    /// (15/main, its config in /etc/postgresql). Found on the lab: with Patroni pointed at 15/main it found PG_VERSION,
    /// skipped bootstrap and failed to start a cluster whose postgresql.conf lives elsewhere. The package's cluster
    /// stays stopped and masked.
    /// </summary>
    public static string DataDir(RenderContext ctx) => DataDirOf(Major(ctx));
    public static string BinDir(RenderContext ctx) => BinDirOf(Major(ctx));
    public static string DataDirOf(string major) => $"/var/lib/postgresql/{major}/datalyptica";
    public static string BinDirOf(string major) => $"/usr/lib/postgresql/{major}/bin";

    /// <summary>pgBackRest's stanza: one per site (its backups bucket is per site too).</summary>
    public static string Stanza(Site site) => site.Name;

    public static int MaxConnections(Site site) => PostgreSQLSettings.MaxConnections.Read(site);

    /// <summary>
    /// max_worker_processes is DCS-wide and a standby may not have fewer than its primary, so it follows the
    /// largest member (at least PostgreSQL's default of 8).
    /// </summary>
    public static int MaxWorkerProcesses(RenderContext ctx) =>
        Math.Max(8, ctx.Members(PostgreSQLComponent.Member).Max(h => h.VCpu));

    /// <summary>
    /// RAM PostgreSQL may plan with on this host, in MB: the host's RAM minus the OS reserve and what every
    /// co-located role declares it needs (<see cref="ResourceNeeds"/>). On production's dedicated hosts that is
    /// all but 1 GB; on development's shared db hosts etcd, ZooKeeper, Keeper and Keycloak keep their share.
    /// </summary>
    public static int BudgetMb(Host host)
    {
        var others = host.Roles.Where(r => r.Component.Id is not ("postgresql" or "patroni")).Sum(r => r.Needs.RamGb);
        var gb = host.RamGb - OsBase.Reserve.RamGb - others;
        if (gb < PostgreSQLComponent.Member.Needs.RamGb)
            throw new InvalidOperationException(
                $"{host.Name}: {host.RamGb} GB RAM leaves {gb:0.##} GB for PostgreSQL after its other roles; it needs " +
                $"{PostgreSQLComponent.Member.Needs.RamGb} GB. Fix: give the host more RAM or move a role away.");
        return (int)(gb * 1024);
    }

    /// <summary>PGTune's formulas (le0pard/pgtune configurationSlice.js, "web"/OLTP profile) over <see cref="BudgetMb"/>.</summary>
    public sealed record Memory(int SharedBuffersMb, int EffectiveCacheMb, int MaintenanceWorkMemMb, int WorkMemMb, int WalBuffersMb);

    /// <summary>What PostgreSQL plans with on a lab host (hosts share one machine; production's 4 GB minimum does not apply).</summary>
    public const int LabBudgetMb = 1024;

    public static int BudgetMb(RenderContext ctx) => ctx.Site.IsLab ? LabBudgetMb : BudgetMb(ctx.Host);

    public static Memory MemoryFor(RenderContext ctx)
    {
        var budget = BudgetMb(ctx);
        var shared = SharedBuffersOverride(ctx) ?? budget / 4 / 128 * 128;
        var connections = MaxConnections(ctx.Site) + MaxWorkerProcesses(ctx);
        var work = Math.Max(4, (budget - shared) / (connections * 3));
        var maintenance = Math.Min(2048, budget / 16);
        var walBuffers = Math.Clamp(shared * 3 / 100, 1, 16);
        return new Memory(shared, budget * 3 / 4, maintenance, work, walBuffers);
    }

    /// <summary>postgresql_shared_buffers (e.g. "8GB", "512MB" or a number of MB) on the host or site replaces RAM/4.</summary>
    private static int? SharedBuffersOverride(RenderContext ctx)
    {
        // The declaration's pattern (digits, then MB or GB) is checked by validate; an unset or refused value gives null.
        if (PostgreSQLSettings.SharedBuffers.Get(ctx.Site, ctx.Host)?.ToUpperInvariant() is not { } size) return null;
        var (digits, factor) = size.EndsWith("GB", StringComparison.Ordinal) ? (size[..^2], 1024)
            : size.EndsWith("MB", StringComparison.Ordinal) ? (size[..^2], 1) : (size, 1);
        return int.Parse(digits.Trim(), NumberStyles.None, CultureInfo.InvariantCulture) * factor;
    }

    /// <summary>Every data disk is flash (ssd/nvme): random reads cost nearly what sequential ones do.</summary>
    public static bool OnFlash(Host host) => host.Disks.Count > 0 && host.Disks.All(d => d.Kind is "ssd" or "nvme");
}

using Datalyptica.Contracts;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Model;

namespace Datalyptica.Components.Patroni;

/// <summary>
/// Debian's patroni unit with our drop-in, reloaded on a configuration change (PostgreSQL parameters that need a restart
/// show as pending in Patroni instead). Patroni owns PostgreSQL, so the distro's postgresql unit (cluster 15/main) is
/// stopped and masked: it never competes for the port or the data directory, even after a reboot.
/// </summary>
public static class PatroniLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.FromPackage("postgres", "Patroni manages PostgreSQL, so it runs as its owner"),
        Units =
        [
            new("patroni", UnitSource.PackageWithDropIn, OnConfigChange.Reload) { HandOver = SwitchOver, Rolling = Rolling },
            // Only where etcd shares the host (PatroniRenderer.EtcdLeaderAway); reads only its own script.
            new(PatroniRenderer.EtcdLeaderAwayUnit, UnitSource.Rendered, OnConfigChange.Restart)
                { Reads = [PatroniRenderer.EtcdLeaderAwayPath, PatroniRenderer.EtcdLeaderAwayUnitPath] },
        ],
        Replaces = [new("postgresql", "Patroni owns PostgreSQL; the distro cluster 15/main must never run")],
        // The DCS push, then the application databases and roles on the leader (AppDatabases).
        Commands = (site, host) => DcsPush(site, host).Concat(AppDatabases.Commands(site, host)),
    };

    /// <summary>
    /// A restart (the drop-in or the package changed) takes one member at a time, the leader last: restarting Patroni
    /// restarts its PostgreSQL, so every member at once would leave no primary. GET /health answers 200 once PostgreSQL
    /// runs again, GET /leader only on the member holding the leader lock (Patroni REST API, health check endpoints).
    /// </summary>
    public static RollingRestart Rolling(Site site, Host host)
    {
        var api = $"http://{host.Endpoint(PatroniComponent.RestApi)}";
        return new RollingRestart("patroni", $"curl -sf -m 3 -o /dev/null {api}/health", TimeoutSeconds: 300)
            { LeaderCheck = $"curl -sf -m 3 -o /dev/null {api}/leader" };
    }

    /// <summary>
    /// Before a planned restart of the leader: a switchover (patronictl reads the REST credentials from the member's own
    /// config). Without --candidate Patroni picks the target itself, and in synchronous mode only a synchronous standby
    /// qualifies, so no acknowledged transaction is left behind (Patroni docs, "Replication modes": synchronous mode).
    /// </summary>
    public static LeaderHandOver SwitchOver(Site site, Host host) => new(
        Rolling(site, host).LeaderCheck!,
        $"patronictl -c {PatroniRenderer.ConfigPath} switchover --leader {RemoteCommand.Quote(host.Name)} --force",
        "Patroni switchover to a synchronous standby");

    /// <summary>
    /// Removes the cluster's keys from the DCS, with Patroni stopped on every member (cluster restore, `dr rebuild`).
    /// patronictl asks for the cluster name and a sentence before it removes anything (its prompts read stdin); removing
    /// nothing is no error.
    /// </summary>
    public static string RemoveClusterCommand(Site site)
    {
        var scope = RemoteCommand.Quote(PatroniRenderer.Scope(site));
        return $"printf '%s\\n%s\\n' {scope} 'Yes I am aware' | patronictl -c {PatroniRenderer.ConfigPath} remove {scope}";
    }

    private static readonly string DcsCheckCommand = $"python3 {PatroniRenderer.DcsCheckPath}";

    /// <summary>
    /// Pushes the site's dynamic configuration into the DCS unless the live one already holds it (apply; cluster restore).
    /// Only the check's exit 1 pushes: its exit 2 (the push would demote a primary to a standby cluster) fails the command.
    /// </summary>
    public static readonly string DcsPushCommand =
        $"{DcsCheckCommand}; r=$?; if [ \"$r\" = 1 ]; then patronictl -c {PatroniRenderer.ConfigPath} edit-config --apply {PatroniRenderer.DcsPath} --force; else [ \"$r\" = 0 ]; fi";

    /// <summary>
    /// Patroni reads bootstrap.dcs only when it creates the cluster: later changes to ttl, loop_wait, synchronous mode or
    /// DCS-only parameters go through the DCS. One member pushes them, after its own service (not a service input).
    /// </summary>
    private static IEnumerable<GuardedCommand> DcsPush(Site site, Host host)
    {
        if (PatroniRenderer.DcsSyncHost(site)?.Name != host.Name) yield break;
        // The check runs again inside the command: on a first apply the file is new but no cluster exists yet (the check
        // passes, and Patroni bootstraps from the same values); edit-config would fail there.
        yield return new GuardedCommand("patroni-dcs", DcsPushCommand, DcsCheckCommand, $"the live DCS differs from {PatroniRenderer.DcsPath}")
        {
            // At plan time the guard still reads the old file, so a changed file must run it by itself.
            OnChangeOfFiles = [PatroniRenderer.DcsPath],
        };
    }
}

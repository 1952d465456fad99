using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Redis;

/// <summary>Redis primary and replicas watched by Sentinels (which rewrite their own file).</summary>
public sealed class RedisComponent : ComponentDefinition
{
    public static readonly PortSpec Server = new("redis", 6379, "redis_port");
    public static readonly PortSpec Exporter = new("redis-exporter", 9121, "redis_exporter_port");
    public static readonly PortSpec SentinelPort = new("sentinel", 26379, "redis_sentinel_port");

    /// <summary>
    /// Rolling restarts wait until the server is a primary again or a replica whose link to the primary is up, as
    /// <see cref="RedisReplication.ServingJudge"/> reads INFO replication (the judge verify uses). The password is read
    /// on the host into redis-cli's environment (<see cref="Cli"/>): it is never in the plan, a command line or output.
    /// </summary>
    public static Contracts.RollingRestart ServerRolling(Host host) => new("redis", $"{Cli(host)} info replication") { Judge = RedisReplication.ServingJudge };

    /// <summary>redis-cli to this host's server, the password read on the host from <see cref="RedisRenderer.CliAuthPath"/> into its environment.</summary>
    public static string Cli(Host host) =>
        $"REDISCLI_AUTH=\"$(cat {RedisRenderer.CliAuthPath})\" redis-cli --no-auth-warning -h {host.Address} -p {host.Port(Server)}";

    /// <summary>Rolling restarts of Sentinels wait until this one sees enough Sentinels to authorise a failover (ckquorum).</summary>
    public static Contracts.RollingRestart SentinelRolling(Site site, Host host) => new("redis-sentinel",
        $"redis-cli -h {host.Address} -p {host.Port(SentinelPort)} sentinel ckquorum {RedisRenderer.MasterName(site)} | grep -q '^OK'");

    public static readonly RoleDefinition Data = Role("redis", "data node", new(1, 2),
        new(2, Why: "a replica to promote"), Server, Exporter);
    public static readonly RoleDefinition Sentinel = Role("redis_sentinel", "Sentinel", new(0.1, 0.1),
        new(3, Why: "Sentinel needs at least 3 instances so a majority can authorise a failover"), SentinelPort);

    /// <summary>What each Sentinel monitors, as SENTINEL MASTER reports it (its settled fields: <see cref="SentinelState"/>).</summary>
    public override IReadOnlyList<LiveSetting> LiveSettings { get; } =
        [new("sentinel-master", Sentinel, LiveScope.EachMember, (site, host) =>
            $"redis-cli -h {host.Address} -p {host.Port(SentinelPort)} sentinel master {Contracts.Hosts.RemoteCommand.Quote(RedisRenderer.MasterName(site))}")
            { Settled = SentinelState.Settled }];

    public override string Id => "redis";
    public override string DisplayName => "Redis + Sentinel";
    public override Tier Tier => Tier.Iam;
    public override string DefaultVersion => "7.4.1";
    public override InstallSource Install => InstallSource.DistroPackage;
    public override Contracts.ComponentLifecycle Lifecycle => RedisLifecycle.Declaration;
    public override IReadOnlyList<RoleDefinition> Roles => [Data, Sentinel];
    public override IReadOnlyList<Contracts.SettingSpec> Settings => RedisSettings.All;
    public const string PasswordKey = "vault_redis_password";
    public override IReadOnlyList<string> SecretKeys => [PasswordKey];
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new RedisRenderer();
    public override Contracts.Health.IHealthProbe? Health { get; } = new RedisHealth();
    public override IReadOnlyList<Contracts.IDrill> Drills => RedisDrills.All;
    public override IReadOnlyList<Contracts.OutputJudge> OutputJudges => [RedisReplication.ServingJudge];
    // redis-tools by name: redis-server and redis-sentinel depend on it at exactly their own version, so an upgrade moves it too.
    public override IReadOnlyList<string> DebianPackages => ["redis-server", "redis-sentinel", "redis-tools", "prometheus-redis-exporter"];
    /// <summary>
    /// Debian builds the three from one source (redis) at one version; `upgrade SITE redis VERSION` moves them together on
    /// each member (those it has), the master last after a Sentinel failover.
    /// </summary>
    public override IReadOnlyList<string> VersionedPackages(Site site) => ["redis-server", "redis-sentinel", "redis-tools"];
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => RedisAccess.Firewall;
    public override IReadOnlyList<Contracts.ScrapeJob> ScrapeJobs => RedisMonitoring.Jobs;
    public override IReadOnlyList<Contracts.AlertGroup> Alerts => RedisMonitoring.Alerts;

    /// <summary>A data node leaves and the Sentinels forget it (<see cref="RedisDeparture"/>); a Sentinel's departure is refused.</summary>
    public override Contracts.MemberDeparture DepartureOf(Contracts.RoleDefinition role) => role == Sentinel ? RedisDeparture.Sentinel : RedisDeparture.DataNode;
}

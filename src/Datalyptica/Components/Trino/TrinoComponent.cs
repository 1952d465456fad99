using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Trino;

/// <summary>Trino: one active coordinator and a standby behind HAProxy (Trino has no multi-coordinator mode), workers.</summary>
public sealed class TrinoComponent : ComponentDefinition
{
    public static readonly PortSpec Http = new("http", 8080, "trino_http_port");
    /// <summary>
    /// HAProxy's listener for Trino on the front-door VIP (read from the HAProxy hosts' vars): the active coordinator
    /// as the server and the standby as <c>backup</c>, checked with GET /v1/info. Workers announce to it, so only the
    /// active coordinator ever holds the worker list.
    /// </summary>
    public static readonly PortSpec FrontDoor = new("trino-front-door", 8080, "haproxy_trino_port");

    public static readonly RoleDefinition Coordinator = Role("trino_coordinator", "coordinator", new(2, 8),
        new(2, Why: "an active coordinator and a standby behind HAProxy"), Http);
    public static readonly RoleDefinition Worker = Role("trino_worker", "worker", new(2, 8, 100),
        new(0), Http);

    public override string Id => "trino";
    public override string DisplayName => "Trino";
    public override Tier Tier => Tier.Query;
    public override string DefaultVersion => "469";
    public override InstallSource Install => InstallSource.Artifact;
    public override IReadOnlyList<ArtifactRelease> Releases => TrinoRelease.All;
    public override IReadOnlyList<ArtifactRelease> Runtimes => TrinoRelease.Runtimes;
    public override Contracts.ComponentLifecycle Lifecycle => TrinoLifecycle.Declaration;
    public override IReadOnlyList<RoleDefinition> Roles => [Coordinator, Worker];
    public override IReadOnlyList<string> SecretKeys => ["vault_trino_clickhouse_password", "vault_trino_postgresql_password"];
    public override IReadOnlyList<Contracts.SettingSpec> Settings => TrinoSettings.All;
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new TrinoRenderer();
    public override string? NeedsObjectStore => "Iceberg tables read through Trino live in the object store";
    public override Contracts.Health.IHealthProbe? Health { get; } = new TrinoHealth();
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => TrinoAccess.Firewall;
    public override IReadOnlyList<Contracts.HttpRoute> HttpRoutes => TrinoAccess.Routes;
    public override IReadOnlyList<Contracts.ScrapeJob> ScrapeJobs => TrinoMonitoring.Jobs;

    /// <summary>A worker drains through Trino's graceful shutdown before it stops (<see cref="TrinoDeparture"/>).</summary>
    public override Contracts.MemberDeparture DepartureOf(Contracts.RoleDefinition role) => role == Worker ? TrinoDeparture.Worker : Contracts.MemberDeparture.Plain;
}

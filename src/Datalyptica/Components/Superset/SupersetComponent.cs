using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Superset;

/// <summary>Superset: stateless on PostgreSQL with a Redis cache, served on its own host name (4.1 cannot run under /superset).</summary>
public sealed class SupersetComponent : ComponentDefinition
{
    public static readonly PortSpec Http = new("http", 8088, "superset_port");

    public static readonly RoleDefinition Server = Role("superset", "web server", new(1, 2),
        new(2, Why: "stateless servers behind HAProxy"), Http);

    public override string Id => "superset";
    public override IReadOnlyList<Contracts.IValidationRule> ValidationRules => [new SupersetRoutingNoticeRule()];
    public override string DisplayName => "Superset";
    public override Tier Tier => Tier.Analytics;
    public override string DefaultVersion => "4.1.1";
    public override InstallSource Install => InstallSource.Artifact;
    /// <summary>No release tarball upstream: a wheelhouse installed into a virtualenv per version (docs/PYTHON-APPS.md).</summary>
    public override ArchiveFormat? SiteBuiltArtifact => ArchiveFormat.Wheelhouse;
    /// <summary>The interpreter the virtualenv is made from (Debian 12: Python 3.11; the wheelhouse is built for cp311).</summary>
    public override IReadOnlyList<string> DebianPackages => ["python3", "python3-venv"];
    /// <summary>Its PostgreSQL database and login role (the metadata database), created by apply on the Patroni leader; the renderer connects with these.</summary>
    public static readonly ApplicationDatabase Database = new("superset", "superset", "vault_superset_db_password");
    public override IReadOnlyList<ApplicationDatabase> ApplicationDatabases(Site site) => [Database];
    public override Contracts.ComponentLifecycle Lifecycle => SupersetLifecycle.Declaration;
    public override IReadOnlyList<RoleDefinition> Roles => [Server];
    public override IReadOnlyList<Dependency> Requires =>
    [
        new("postgresql", "the metadata database is PostgreSQL"),
        new("redis", "results and query caches live in Redis"),
    ];
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new SupersetRenderer();
    public override IReadOnlyList<string> SecretKeys => ["vault_superset_secret_key", "vault_superset_db_password", "vault_oauth_superset_client_secret"];
    public override Contracts.Health.IHealthProbe? Health { get; } = new SupersetHealth();
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => SupersetAccess.Firewall;
    public override IReadOnlyList<Contracts.HttpRoute> HttpRoutes => SupersetAccess.Routes;
    public override Contracts.NotScraped? NotScraped => Prometheus.NotScrapedNotes.NoMetricsPort;
}

using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.MLflow;

/// <summary>MLflow tracking servers: stateless on PostgreSQL, artifacts on S3.</summary>
public sealed class MLflowComponent : ComponentDefinition
{
    public static readonly PortSpec Http = new("http", 5000, "mlflow_port");

    public static readonly RoleDefinition Server = Role("mlflow", "tracking server", new(1, 2),
        new(2, Why: "stateless servers behind HAProxy"), Http);

    public override string Id => "mlflow";
    public override string DisplayName => "MLflow";
    public override Tier Tier => Tier.Analytics;
    public override string DefaultVersion => "2.19.0";
    public override InstallSource Install => InstallSource.Artifact;
    /// <summary>No release tarball upstream: a wheelhouse installed into a virtualenv per version (docs/PYTHON-APPS.md).</summary>
    public override ArchiveFormat? SiteBuiltArtifact => ArchiveFormat.Wheelhouse;
    /// <summary>The interpreter the virtualenv is made from (Debian 12: Python 3.11; the wheelhouse is built for cp311).</summary>
    public override IReadOnlyList<string> DebianPackages => ["python3", "python3-venv"];
    /// <summary>Its PostgreSQL database and login role (the tracking backend store), created by apply on the Patroni leader; the renderer connects with these.</summary>
    public static readonly ApplicationDatabase Database = new("mlflow", "mlflow", "vault_mlflow_db_password");
    public override IReadOnlyList<ApplicationDatabase> ApplicationDatabases(Site site) => [Database];
    public override Contracts.ComponentLifecycle Lifecycle => MLflowLifecycle.Declaration;
    public override IReadOnlyList<RoleDefinition> Roles => [Server];
    public override IReadOnlyList<Dependency> Requires => [new("postgresql", "the tracking backend store is PostgreSQL")];
    public override string? NeedsObjectStore => "model artifacts live in the ml bucket";
    public override Contracts.Rendering.IComponentRenderer? Renderer { get; } = new MLflowRenderer();
    public override IReadOnlyList<string> SecretKeys => ["vault_mlflow_db_password"];
    public override Contracts.Health.IHealthProbe? Health { get; } = new MLflowHealth();
    // Firewall callers, front-door routes and monitoring: declared in this folder (issue 12).
    public override IReadOnlyList<Contracts.Access> Firewall => MLflowAccess.Firewall;
    public override IReadOnlyList<Contracts.HttpRoute> HttpRoutes => MLflowAccess.Routes;
    public override Contracts.NotScraped? NotScraped => Prometheus.NotScrapedNotes.NoMetricsPort;
}

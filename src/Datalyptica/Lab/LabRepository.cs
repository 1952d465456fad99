using Datalyptica.Engine.Repository;
using Datalyptica.Profiles;

namespace Datalyptica.Lab;

/// <summary>
/// The offline repository lab hosts install from (they have no other route): every Debian package the `lab` profile
/// needs with its dependencies, built once on the control node and reused by every lab under the same root.
/// </summary>
public static class LabRepository
{
    /// <summary>
    /// What every lab variant installs: the HA core, JupyterHub from Debian when `lab up --jupyterhub`, and the Debian
    /// packages the stand-in variant's artifact components need (Java, unzip, python3-venv; docs/STAND-INS.md).
    /// </summary>
    public static IReadOnlyList<string> Packages { get; } = RepositoryPackageSet.Normalise(
        new[] { BuiltInProfiles.Lab, BuiltInProfiles.LabWithJupyterHub, BuiltInProfiles.LabWithStandIns }.SelectMany(p => RepositoryPackageSet.For(WithDebianPostgres(ProfileExpander.Expand(p)))));

    /// <summary>
    /// Lab hosts install Debian 12's packages: PostgreSQL is 15 there (postgresql-15; the seed pins 16, which needs PGDG),
    /// so the lab site pins 15 and does not claim PGDG.
    /// </summary>
    public static Model.Site WithDebianPostgres(Model.Site expanded) => expanded with
    {
        Versions = new Dictionary<string, string>(expanded.Versions) { ["postgresql"] = Components.PostgreSQL.PostgreSQLComponent.DebianMajor },
        Vars = expanded.Vars.Where(v => v.Key != Components.PostgreSQL.PostgreSQLSettings.Pgdg.Key).ToDictionary(),
    };

    /// <summary>Reused when it already holds every package, else built (seconds from a Debian mirror).</summary>
    public static async Task EnsureAsync(LabOptions options, Action<string> log, CancellationToken cancellation)
    {
        var dir = options.RepositoryDirectory;
        var manifest = RepositoryManifest.Load(dir);
        // A package that came in as another's dependency counts (postgresql-15 was postgresql's before it was named).
        if (manifest is not null && Packages.All(p => manifest.Requested.Contains(p) || manifest.Packages.Any(d => d.Name == p)) && File.Exists(Path.Combine(dir, "Packages.gz")))
        {
            log($"repository reused: {dir} ({manifest.Packages.Count} packages)");
            return;
        }
        log($"building the lab's offline repository ({Packages.Count} packages and their dependencies) in {dir}");
        var result = await OfflineRepositoryBuilder.BuildAsync(new RepositoryBuildRequest(dir, Packages), log, cancellation);
        log($"repository built in {result.Duration.TotalSeconds:0.0} s: {result.Manifest.Packages.Count} packages");
    }
}

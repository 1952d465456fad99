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

    /// <summary>
    /// The packages the lab's minor upgrades move (issue 16's proofs: a real PostgreSQL minor upgrade under writes,
    /// Redis's three packages, HAProxy under writes through the VIP): the repository holds the oldest version the mirror
    /// offers next to the newest, and lab hosts start on the oldest.
    /// </summary>
    public static IReadOnlyList<string> UpgradablePackages { get; } =
        [$"postgresql-{Components.PostgreSQL.PostgreSQLComponent.DebianMajor}", $"postgresql-client-{Components.PostgreSQL.PostgreSQLComponent.DebianMajor}",
         "redis-server", "redis-sentinel", "redis-tools", "haproxy"];

    /// <summary>
    /// The pins lab hosts start on: each upgradable package at the oldest version the repository holds, when it holds two
    /// (Debian 12 serves a point release's build and a newer security build); none when it holds one.
    /// </summary>
    public static IReadOnlyDictionary<string, string> StartPins(RepositoryManifest? manifest)
    {
        var pins = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (manifest is null) return pins;
        foreach (var package in UpgradablePackages)
        {
            var versions = manifest.Packages.Where(p => p.Name == package).Select(p => p.Version).Distinct().Order(DebianVersion.Comparer).ToList();
            if (versions.Count >= 2) pins[package] = versions[0];
        }
        return pins.Count == UpgradablePackages.Count ? pins : new SortedDictionary<string, string>();
    }

    /// <summary>The newest build of <paramref name="package"/> the repository holds: where the lab's upgrade goes.</summary>
    public static string? Newest(RepositoryManifest? manifest, string package) =>
        manifest?.Packages.Where(p => p.Name == package).Select(p => p.Version).Order(DebianVersion.Comparer).LastOrDefault();

    /// <summary>
    /// Reused when it already holds every package (and the upgradable ones at two versions), else built (seconds from a
    /// Debian mirror). Returns the pins lab hosts start on (<see cref="StartPins"/>).
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>> EnsureAsync(LabOptions options, Action<string> log, CancellationToken cancellation)
    {
        var dir = options.RepositoryDirectory;
        var manifest = RepositoryManifest.Load(dir);
        // A package that came in as another's dependency counts (postgresql-15 was postgresql's before it was named).
        if (manifest is not null && Packages.All(p => manifest.Requested.Contains(p) || manifest.Packages.Any(d => d.Name == p)) && File.Exists(Path.Combine(dir, "Packages.gz"))
            && StartPins(manifest).Count > 0)
        {
            log($"repository reused: {dir} ({manifest.Packages.Count} packages)");
            return StartPins(manifest);
        }
        log($"building the lab's offline repository ({Packages.Count} packages and their dependencies) in {dir}");
        var result = await OfflineRepositoryBuilder.BuildAsync(new RepositoryBuildRequest(dir, Packages), log, cancellation);
        // The oldest build of PostgreSQL, Redis and HAProxy the mirror offers goes in next to the newest, for the upgrade proofs.
        var older = new List<string>();
        foreach (var package in UpgradablePackages)
        {
            var versions = await OfflineRepositoryBuilder.AvailableVersionsAsync(dir, package, cancellation);
            if (versions.Count >= 2) older.Add($"{package}={versions[^1]}");
        }
        if (older.Count == UpgradablePackages.Count)
        {
            log($"adding the oldest builds the mirror offers for the upgrade proof: {string.Join(", ", older)}");
            result = await OfflineRepositoryBuilder.BuildAsync(new RepositoryBuildRequest(dir, [.. Packages, .. older]), log, cancellation);
        }
        else log($"the mirror offers one version of {string.Join(", ", UpgradablePackages)}: lab hosts install it, and the upgrade proof has nothing to upgrade to");
        log($"repository built in {result.Duration.TotalSeconds:0.0} s: {result.Manifest.Packages.Count} packages");
        return StartPins(result.Manifest);
    }
}

using Datalyptica.Engine.Repository;
using Datalyptica.Profiles;

namespace Datalyptica.Lab;

/// <summary>
/// The offline repository lab hosts install from (they have no other route): every Debian package the `lab` profile
/// needs with its dependencies, built once on the control node and reused by every lab under the same root.
/// </summary>
public static class LabRepository
{
    public static IReadOnlyList<string> Packages { get; } = RepositoryPackageSet.For(ProfileExpander.Expand(BuiltInProfiles.Lab));

    /// <summary>Reused when it already holds every package, else built (seconds from a Debian mirror).</summary>
    public static async Task EnsureAsync(LabOptions options, Action<string> log, CancellationToken cancellation)
    {
        var dir = options.RepositoryDirectory;
        var manifest = RepositoryManifest.Load(dir);
        if (manifest is not null && Packages.All(manifest.Requested.Contains) && File.Exists(Path.Combine(dir, "Packages.gz")))
        {
            log($"repository reused: {dir} ({manifest.Packages.Count} packages)");
            return;
        }
        log($"building the lab's offline repository ({Packages.Count} packages and their dependencies) in {dir}");
        var result = await OfflineRepositoryBuilder.BuildAsync(new RepositoryBuildRequest(dir, Packages), log, cancellation);
        log($"repository built in {result.Duration.TotalSeconds:0.0} s: {result.Manifest.Packages.Count} packages");
    }
}

using Datalyptica.Components;
using Datalyptica.Engine.Repository;
using Datalyptica.Lab;

namespace Datalyptica.Tests.Lab;

/// <summary>
/// The lab end-to-end classes share the cached base image and the cached OS base repository; on a machine that has
/// neither yet, running them in parallel would build both twice into the same folders. One collection runs them in turn.
/// </summary>
[CollectionDefinition(Name)]
public sealed class LabCollection
{
    public const string Name = "lab hosts (one at a time)";
}

internal static class LabRepository
{
    /// <summary>The OS base repository the lab serves: reused when it already holds every package, else built once.</summary>
    public static async Task EnsureOsBaseAsync(LabOptions options, Action<string> log, CancellationToken cancellation)
    {
        var dir = options.RepositoryDirectory;
        var manifest = RepositoryManifest.Load(dir);
        if (manifest is not null && OsBase.DebianPackages.All(manifest.Requested.Contains) && File.Exists(Path.Combine(dir, "Packages.gz")))
        {
            log($"repository reused: {dir} ({manifest.Packages.Count} packages)");
            return;
        }
        var result = await OfflineRepositoryBuilder.BuildAsync(new RepositoryBuildRequest(dir, OsBase.DebianPackages), log, cancellation);
        log($"repository built in {result.Duration.TotalSeconds:0.0} s: {result.Manifest.Packages.Count} packages");
    }
}

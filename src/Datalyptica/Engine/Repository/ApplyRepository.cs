using Datalyptica.Contracts;
using Datalyptica.Model;
using Datalyptica.Pki;

namespace Datalyptica.Engine.Repository;

/// <summary>
/// The offline repository apply serves while it runs, for sites whose hosts have no route out
/// (<see cref="AptSource.RepositoryListenKey"/>): the folder from `apply --repository DIR` or the site's
/// <see cref="AptSource.RepositoryDirKey"/>, bound to exactly the site's listen address, its Release signed with the site's
/// key (<see cref="ServedRelease"/>), stopped when apply ends.
/// </summary>
public static class ApplyRepository
{
    /// <summary>
    /// The folder the site's hosts install from (`--repository DIR`, else the site's <see cref="AptSource.RepositoryDirKey"/>),
    /// or null when the site does not use a served repository; refused when it serves one but names no folder.
    /// </summary>
    public static string? DirectoryFor(Site site, string? directoryOverride)
    {
        ArgumentNullException.ThrowIfNull(site);
        if (AptSource.ServedEndpoint(site) is not { } endpoint) return null;
        var directory = directoryOverride ?? Components.OsBaseLayer.OsBaseSettings.AptRepositoryDir.Get(site);
        if (string.IsNullOrWhiteSpace(directory))
            throw new RepositoryBuildException(
                $"site {site.Name} serves its hosts' packages from {Endpoints.Format(endpoint)} ({AptSource.RepositoryListenKey}) but names no repository folder. " +
                $"Fix: `datalyptica repo build SITE --out DIR`, then pass `--repository DIR` or set {AptSource.RepositoryDirKey}: DIR.");
        return directory;
    }

    /// <summary>Starts the server, or returns null when the site does not use a served repository.</summary>
    public static RepositoryServer? StartFor(Site site, string? directoryOverride, RepositorySigningKey? signingKey, Action<string>? log = null)
    {
        if (DirectoryFor(site, directoryOverride) is not { } directory) return null;
        var endpoint = AptSource.ServedEndpoint(site)!;
        if (!File.Exists(Path.Combine(directory, "Packages.gz")) && !File.Exists(Path.Combine(directory, "Packages")))
            throw new RepositoryBuildException(
                $"'{directory}' is not a built repository (no Packages index). Fix: `datalyptica repo build SITE --out {directory}`.");
        if (signingKey is null)
            throw new RepositoryBuildException(
                $"site {site.Name} serves its hosts' packages but no signing key was given. Fix: run apply with the site's vault password.");
        return RepositoryServer.Start(directory, endpoint, log, ServedRelease.Sign(directory, signingKey, DateTime.UtcNow));
    }
}

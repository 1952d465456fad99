namespace Datalyptica.Engine.Repository;

/// <summary>
/// The names inside a repository folder, declared once so the builder, the server, the apt source renderer
/// and the tests cannot drift apart. The folder is a flat apt repository ("deb URL ./"): the index files sit
/// at its top and name files under pool/.
/// </summary>
public static class RepositoryLayout
{
    public const string Pool = "pool";
    public const string Packages = "Packages";
    public const string PackagesGz = "Packages.gz";
    public const string Release = "Release";
    public const string Manifest = "repo.json";
    public const string Artifacts = "artifacts";
    public const string ArtifactChecksums = "SHA512SUMS";

    /// <summary>
    /// The build's private apt state (lists, caches, the empty dpkg status). It starts with a dot, so the
    /// server never serves it, and it is kept so a second build sends If-Modified-Since instead of
    /// downloading the indexes again.
    /// </summary>
    public const string AptState = ".apt";

    /// <summary>The Debian release the hosts run; apt on the control node must resolve against it too.</summary>
    public const string DebianCodename = "bookworm";

    public static string ArtifactFolder(string component, string version) => $"{Artifacts}/{component}/{version}";
}

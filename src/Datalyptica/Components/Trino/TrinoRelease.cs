using Datalyptica.Contracts;

namespace Datalyptica.Components.Trino;

/// <summary>
/// Trino's server tarball from Maven Central (trino.io/docs/469/installation/deployment.html) with Maven's .sha1, and
/// the JDK it runs on: Trino 469 requires Java 23 or newer, which Debian 12 does not ship (openjdk-17 only), so its
/// hosts get Eclipse Temurin 23 from Adoptium's GitHub releases (adoptium.net/temurin/releases), with the
/// .sha256.txt Adoptium publishes beside each file. The unit sets JAVA_HOME to its <c>current</c> link
/// (<see cref="TrinoRenderer.JdkHome"/>).
/// </summary>
public static class TrinoRelease
{
    public static readonly ArtifactRelease V469 = Server("469");

    /// <summary>
    /// The next release (trino.io/docs/current/release/release-470.html, 5 Feb 2025), same layout and the same Java 23
    /// floor: what `datalyptica upgrade SITE trino 470` moves a site to, beside 469.
    /// </summary>
    public static readonly ArtifactRelease V470 = Server("470");

    /// <summary>trino-server VERSION from Maven Central, with the .sha1 Maven publishes beside it.</summary>
    private static ArtifactRelease Server(string version) => new("trino", version,
        $"https://repo1.maven.org/maven2/io/trino/trino-server/{version}/trino-server-{version}.tar.gz",
        new($"https://repo1.maven.org/maven2/io/trino/trino-server/{version}/trino-server-{version}.tar.gz.sha1", ChecksumAlgorithm.Sha1, ChecksumFormat.Bare))
    {
        TopFolder = $"trino-server-{version}",
        EntryPrograms = ["bin/launcher"],
        ApproximateMb = 1900,
    };

    /// <summary>The install folder's name of the JDK (<c>/opt/datalyptica/jdk/current</c>).</summary>
    public const string JdkArtifact = "jdk";

    public static readonly ArtifactRelease Jdk23 = new(JdkArtifact, "23.0.2+7",
        "https://github.com/adoptium/temurin23-binaries/releases/download/jdk-23.0.2%2B7/OpenJDK23U-jdk_x64_linux_hotspot_23.0.2_7.tar.gz",
        new("https://github.com/adoptium/temurin23-binaries/releases/download/jdk-23.0.2%2B7/OpenJDK23U-jdk_x64_linux_hotspot_23.0.2_7.tar.gz.sha256.txt",
            ChecksumAlgorithm.Sha256, ChecksumFormat.Sums))
    {
        TopFolder = "jdk-23.0.2+7",
        EntryPrograms = ["bin/java"],
        ApproximateMb = 210,
    };

    public static readonly IReadOnlyList<ArtifactRelease> All = [V469, V470];
    public static readonly IReadOnlyList<ArtifactRelease> Runtimes = [Jdk23];
}

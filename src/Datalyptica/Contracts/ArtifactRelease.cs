namespace Datalyptica.Contracts;

/// <summary>The digest an upstream checksum file carries.</summary>
public enum ChecksumAlgorithm { Sha1, Sha256, Sha512 }

/// <summary>How an upstream checksum file is written.</summary>
public enum ChecksumFormat
{
    /// <summary>The hex digest alone (Maven Central's .sha1, Grafana's .sha256), optionally followed by the file name.</summary>
    Bare,
    /// <summary><c>sha256sum</c>/<c>sha512sum</c> lines, <c>HEX  NAME</c> or <c>HEX *NAME</c>, one file or many (SHA256SUMS): the line naming the file counts.</summary>
    Sums,
    /// <summary><c>gpg --print-md SHA512 FILE</c>: <c>FILE: 7A9B 0C.. </c> upper-case groups over several lines (Apache Kafka's .sha512).</summary>
    GpgPrintMd,
}

/// <summary>How the release file becomes a folder on a host.</summary>
public enum ArchiveFormat
{
    /// <summary>A gzip'd tarball, unpacked with <c>tar --strip-components</c>.</summary>
    TarGz,
    /// <summary>A zip holding one program (<see cref="ArtifactRelease.ZipMember"/>), written to <see cref="ArtifactRelease.InstallAs"/>; needs <c>unzip</c> on the host.</summary>
    Zip,
    /// <summary>One file used as it is (a runner jar), written to <see cref="ArtifactRelease.InstallAs"/>.</summary>
    File,
    /// <summary>
    /// A Python application with no release tarball (Airflow, Superset, MLflow): a tarball of a wheelhouse folder (every
    /// wheel the application needs and a <c>requirements.txt</c> pinning each with <c>--hash=sha256:</c>), installed into
    /// a virtualenv per version with <c>pip install --no-index --require-hashes</c>. Built for the site, so declared by the
    /// component (<see cref="ComponentDefinition.SiteBuiltArtifact"/>), not by a release manifest. docs/PYTHON-APPS.md.
    /// </summary>
    Wheelhouse,
}

/// <summary>Where upstream publishes the checksum of a release file, and how to read it.</summary>
public sealed record ArtifactChecksum(string Url, ChecksumAlgorithm Algorithm, ChecksumFormat Format);

/// <summary>
/// One release of an artifact a component installs from upstream (not from Debian): where upstream publishes the file
/// and its checksum, how it unpacks, and the programs the component's units start from it. Declared in the component's
/// own folder (<c>Components/Kafka/KafkaRelease.cs</c>); <c>datalyptica artifacts fetch</c> downloads the file and the
/// checksum file and refuses a mismatch, and apply unpacks it into <c>/opt/datalyptica/ARTIFACT/VERSION</c>.
/// </summary>
/// <param name="Artifact">The install folder's name under /opt/datalyptica: the component id, or a runtime's (<c>jdk</c>).</param>
/// <param name="Version">The version it is (the component's pinned version for the component's own release).</param>
/// <param name="Url">The upstream https URL of the release file.</param>
/// <param name="Checksum">Upstream's published checksum of that file.</param>
public sealed record ArtifactRelease(string Artifact, string Version, string Url, ArtifactChecksum Checksum)
{
    public ArchiveFormat Format { get; init; } = ArchiveFormat.TarGz;
    /// <summary>The folder the tarball holds everything under (<c>kafka_2.13-3.9.0</c>), for the reader; unpacking strips it.</summary>
    public string TopFolder { get; init; } = "";
    /// <summary>Leading path parts <c>tar</c> strips (1: the top folder).</summary>
    public int StripComponents { get; init; } = 1;
    /// <summary>The zip member to take (<see cref="ArchiveFormat.Zip"/>).</summary>
    public string? ZipMember { get; init; }
    /// <summary>Where a single-file release goes, relative to the install folder (<see cref="ArchiveFormat.Zip"/>, <see cref="ArchiveFormat.File"/>).</summary>
    public string? InstallAs { get; init; }
    /// <summary>Programs the component's units run, relative to the install folder (<c>bin/kafka-server-start.sh</c>).</summary>
    public IReadOnlyList<string> EntryPrograms { get; init; } = [];
    /// <summary>About how big the release file is, in MB (shown by <c>artifacts list</c> before it is fetched).</summary>
    public int ApproximateMb { get; init; }
    /// <summary>Debian packages a host needs to unpack it (<c>unzip</c> for a zip).</summary>
    public IReadOnlyList<string> HostPackages => Format == ArchiveFormat.Zip ? ["unzip"] : [];

    /// <summary>The release file's name: the last part of its URL, unescaped (<c>OpenJDK23U-jdk_x64_linux_hotspot_23.0.2_7.tar.gz</c>).</summary>
    public string FileName => LastSegment(Url);
    /// <summary>The checksum file's name: the last part of its URL (<c>kafka_2.13-3.9.0.tgz.sha512</c>, <c>SHA256SUMS</c>).</summary>
    public string ChecksumFileName => LastSegment(Checksum.Url);

    private static string LastSegment(string url) =>
        Uri.UnescapeDataString(new Uri(url).AbsolutePath.Split('/').Last());
}

using Datalyptica.Contracts.Hosts;

namespace Datalyptica.Engine.Resources;

/// <summary>
/// How a Python application (<see cref="Contracts.ArchiveFormat.Wheelhouse"/>) is installed on a host: its pinned
/// artifact is a tarball of one folder holding every wheel it needs and a <c>requirements.txt</c> that pins each of
/// them (<c>name==version --hash=sha256:...</c>, dependencies included). The host gets a virtualenv per version from the
/// distribution's python3 (python3-venv) and pip installs into it from that folder only: no index, binary wheels only,
/// every file checked against its hash (pip's hash-checking mode, pip.pypa.io/en/stable/topics/secure-installs/), no
/// pip configuration of the host read (PIP_CONFIG_FILE=/dev/null). The wheelhouse is made on a machine with PyPI access
/// with <c>pip download --only-binary=:all: -r requirements.txt -d wheelhouse</c> (docs/PYTHON-APPS.md).
/// <para>
/// A virtualenv is not relocatable (its scripts name its own path), so unlike a release tarball it is built in place,
/// not beside it and renamed: the marker (<see cref="ArtifactResource.MarkerName"/>) is written only after pip succeeded,
/// and a folder without it is removed and built again; <c>current</c> switches only afterwards.
/// </para>
/// </summary>
public static class WheelhouseInstall
{
    /// <summary>The file in the wheelhouse folder that pins every wheel with its hash.</summary>
    public const string RequirementsFile = "requirements.txt";

    /// <summary>Where the wheelhouse is unpacked on the host while the virtualenv is built (removed afterwards).</summary>
    public static string WheelhouseDirectory(string installDirectory) => $"{installDirectory}.datalyptica-wheelhouse";

    /// <summary>
    /// The one shell command that turns the uploaded (already SHA-512-verified) <paramref name="archive"/> into a
    /// virtualenv at <paramref name="dir"/> and writes the marker last. umask 022: the service accounts read the venv.
    /// </summary>
    public static string Command(string archive, string dir, string sha512, int stripComponents = 1)
    {
        var wheels = WheelhouseDirectory(dir);
        return $"umask 022 && rm -rf {Q(wheels)} {Q(dir)} && mkdir -p {Q(wheels)} " +
               $"&& tar -xf {Q(archive)} -C {Q(wheels)} --strip-components={stripComponents} --no-same-owner " +
               $"&& python3 -m venv {Q(dir)} " +
               $"&& PIP_CONFIG_FILE=/dev/null {Q(dir + "/bin/python")} -m pip install --no-index --find-links {Q(wheels)} " +
               "--require-hashes --only-binary=:all: --no-cache-dir --disable-pip-version-check --no-input -q " +
               $"-r {Q(wheels + "/" + RequirementsFile)} " +
               $"&& printf '%s\\n' {sha512} > {Q(dir + "/" + ArtifactResource.MarkerName)} && rm -rf {Q(wheels)} && rm -f {Q(archive)}";
    }

    private static string Q(string s) => RemoteCommand.Quote(s);
}

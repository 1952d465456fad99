namespace Datalyptica.Contracts.Rendering;

/// <summary>
/// Where things live on a host. Components installed from artifacts follow one layout; distro packages keep
/// their package's paths (the renderer of such a component says so).
/// </summary>
public static class PlatformPaths
{
    public const string ConfigRoot = "/etc/datalyptica";
    public const string DataRoot = "/var/lib/datalyptica";
    public const string LogRoot = "/var/log/datalyptica";
    public const string InstallRoot = "/opt/datalyptica";
    /// <summary>
    /// node_exporter's textfile folder in Debian's build (--collector.textfile.directory default; the package makes it):
    /// metrics the platform writes there (certificate expiry, scheduled backups) are served with the host's own.
    /// </summary>
    public const string NodeExporterTextfiles = "/var/lib/prometheus/node-exporter";

    public static string Config(string component) => $"{ConfigRoot}/{component}";
    public static string Data(string component) => $"{DataRoot}/{component}";
    public static string Logs(string component) => $"{LogRoot}/{component}";
    /// <summary>An artifact unpacks into a versioned folder; <see cref="Current"/> is a symlink switched on upgrade.</summary>
    public static string Install(string component, string version) => $"{InstallRoot}/{component}/{version}";
    public static string Current(string component) => $"{InstallRoot}/{component}/current";
    public static string Unit(string name) => $"/etc/systemd/system/{name}.service";
    /// <summary>The timer that starts the scheduled job <paramref name="name"/> (UnitSpec.StartedByTimer).</summary>
    public static string Timer(string name) => $"/etc/systemd/system/{name}.timer";
}

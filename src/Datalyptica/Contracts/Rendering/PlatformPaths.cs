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
    /// The folder node_exporter's textfile collector reads (its --collector.textfile.directory, set in
    /// /etc/default/prometheus-node-exporter): metrics the platform writes (certificate expiry, scheduled backups, VIP
    /// holders) are served with the host's own. Root-owned, under <see cref="DataRoot"/>: Debian's default,
    /// /var/lib/prometheus/node-exporter, sits in a folder the prometheus account owns, which could redirect what root
    /// writes there (apply refuses to write into it; found on the lab).
    /// </summary>
    public const string NodeExporterTextfiles = DataRoot + "/node-exporter";

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

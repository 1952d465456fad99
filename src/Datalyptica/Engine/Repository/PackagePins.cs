using Datalyptica.Components.OsBaseLayer;
using Datalyptica.Model;

namespace Datalyptica.Engine.Repository;

/// <summary>
/// Debian packages the site holds at an exact version (<c>datalyptica_package_versions</c> in group_vars/all):
/// apply installs a missing pinned package at that version (<c>apt-get install NAME=VERSION</c>), <c>repo build</c> puts
/// that version in the offline repository next to the newest, and <c>datalyptica upgrade</c> moves running hosts from one
/// pin to the next member by member and records the new pin. apply never changes the version of a package already
/// installed: moving a running server to other binaries is the upgrade's rolling, health-gated work.
/// </summary>
public static class PackagePins
{
    public const string SiteKey = "datalyptica_package_versions";

    public static IReadOnlyDictionary<string, string> Of(Site site) => OsBaseSettings.PackageVersions.Read(site);

    /// <summary>apt's argument for one package: NAME=VERSION when pinned, else NAME (the source's newest).</summary>
    public static string AptArgument(string name, IReadOnlyDictionary<string, string> pins) =>
        pins.TryGetValue(name, out var version) ? $"{name}={version}" : name;

    /// <summary>The pins as apt arguments (NAME=VERSION), for the offline repository to hold next to the newest.</summary>
    public static IReadOnlyList<string> RepositorySpecs(Site site) => Of(site).Select(p => $"{p.Key}={p.Value}").ToList();

    /// <summary>Splits NAME=VERSION (a pin) from NAME.</summary>
    public static (string Name, string? Version) Split(string argument)
    {
        var at = argument.IndexOf('=');
        return at < 0 ? (argument, null) : (argument[..at], argument[(at + 1)..]);
    }
}

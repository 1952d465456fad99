using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Profiles;
using Datalyptica.Rendering;

namespace Datalyptica.Tests.Components;

/// <summary>
/// Every user and group a host's rendered files and units name exists on that host: created by our sysusers.d files, by
/// the Debian package of a component the host installs (its declared <see cref="ServiceAccount"/>), or by Debian's base
/// system. Found on the lab (issue 14): Schema Registry's files were group `schema-registry`, its account
/// `schema_registry`, and the first apply refused the write ("there is no group schema-registry on this host").
/// </summary>
public sealed class ServiceAccountReferenceTests
{
    /// <summary>Accounts a Debian 12 base system has (base-passwd, systemd): what a unit may name beside its own.</summary>
    private static readonly HashSet<string> Base = ["root", "nogroup", "nobody", "adm", "systemd-journal", "ssl-cert"];

    public static TheoryData<string> Profiles() =>
        [.. BuiltInProfiles.All.Select(p => p.Name), BuiltInProfiles.LabWithStandIns.Name + "+stand-ins", BuiltInProfiles.LabWithJupyterHub.Name + "+jupyterhub"];

    private static Model.Site Expand(string profileName) => ProfileExpander.Expand(profileName switch
    {
        "lab+stand-ins" => BuiltInProfiles.LabWithStandIns,
        "lab+jupyterhub" => BuiltInProfiles.LabWithJupyterHub,
        var n => BuiltInProfiles.Find(n)!,
    });

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Every_owner_group_and_unit_account_exists_on_its_host(string profileName)
    {
        var site = Expand(profileName);
        var problems = new List<string>();
        foreach (var host in SiteRenderer.Render(site))
        {
            var known = new HashSet<string>(Base, StringComparer.Ordinal);
            foreach (var sysusers in host.Files.Where(f => f.Path.StartsWith("/etc/sysusers.d/", StringComparison.Ordinal)))
                foreach (var line in sysusers.Content.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(l => l.Length >= 2 && !l[0].StartsWith('#')))
                    known.UnionWith(line[0] == "m" ? line.Skip(1).Take(2) : [line[1]]);
            foreach (var component in ComponentCatalog.All.Where(c => c.Roles.Any(host.Host.Has)))
            {
                if (component.Lifecycle.Account is { CreatedByPackage: true } account) known.UnionWith([account.User, account.Group]);
                // Debian's prometheus-*-exporter packages create the prometheus user and group (their postinst).
                if (component.PackagesFor(site).Any(p => p.StartsWith("prometheus-", StringComparison.Ordinal))) known.Add("prometheus");
            }

            foreach (var file in host.Files)
            {
                if (!known.Contains(file.Owner)) problems.Add($"{host.Host.Name} {file.Path}: owner {file.Owner}");
                if (!known.Contains(file.Group)) problems.Add($"{host.Host.Name} {file.Path}: group {file.Group}");
                if (file.Kind != FileKind.SystemdUnit && !file.Path.EndsWith(".conf", StringComparison.Ordinal) || !file.Path.Contains("/systemd/", StringComparison.Ordinal)) continue;
                foreach (var line in file.Content.Split('\n'))
                {
                    var (key, value) = line.IndexOf('=') is > 0 and var i ? (line[..i].Trim(), line[(i + 1)..].Trim()) : ("", "");
                    if (key is not ("User" or "Group" or "SupplementaryGroups")) continue;
                    foreach (var name in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                        if (!known.Contains(name)) problems.Add($"{host.Host.Name} {file.Path}: {key}={name}");
                }
            }
        }
        problems.Distinct().ShouldBeEmpty();
    }

    /// <summary>
    /// systemd refuses to spawn a unit whose WorkingDirectory or ReadWritePaths is missing ("Failed at step NAMESPACE"):
    /// found on the lab for ClickHouse Keeper's folder and Flink's scratch folder. Each such folder of a component that
    /// installs from an artifact (packages make their own) is created by the host's tmpfiles or by one of the component's
    /// steps before its units (Kafka's storage format makes its log dirs).
    /// </summary>
    [Theory]
    [MemberData(nameof(Profiles))]
    public void Every_folder_an_artifact_component_unit_needs_is_made_before_it_starts(string profileName)
    {
        var site = Expand(profileName);
        var problems = new List<string>();
        foreach (var host in SiteRenderer.Render(site))
        {
            var made = host.Files.Where(f => f.Path.StartsWith("/etc/tmpfiles.d/", StringComparison.Ordinal))
                .SelectMany(f => f.Content.Split('\n')).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(l => l.Length >= 2 && l[0] == "d").Select(l => l[1]).ToHashSet(StringComparer.Ordinal);
            foreach (var unit in host.Files.Where(f => f.Kind == FileKind.SystemdUnit))
            {
                var component = ComponentCatalog.Find(unit.Component);
                if (component is null || component.InstallOn(site) != InstallSource.Artifact) continue;
                var steps = string.Join('\n', component.Lifecycle.Commands?.Invoke(site, host.Host).Select(c => c.Command) ?? []);
                foreach (var line in unit.Content.Split('\n'))
                {
                    var (key, value) = line.IndexOf('=') is > 0 and var i ? (line[..i].Trim(), line[(i + 1)..].Trim()) : ("", "");
                    if (key is not ("WorkingDirectory" or "ReadWritePaths")) continue;
                    foreach (var path in value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => p.StartsWith('/')))
                        // An install folder comes from the artifact's unpack (ArtifactResource), before the units.
                        if (!made.Contains(path) && !steps.Contains(path, StringComparison.Ordinal) && !path.StartsWith(PlatformPaths.InstallRoot + "/", StringComparison.Ordinal))
                            problems.Add($"{host.Host.Name} {unit.Path}: {key} {path}");
                }
            }
        }
        problems.Distinct().ShouldBeEmpty();
    }
}

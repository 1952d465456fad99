using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Drilling;
using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Repository;
using Datalyptica.Engine.Resources;
using Datalyptica.Model;
using Datalyptica.Restarts;

namespace Datalyptica.Upgrades;

/// <summary>One member of an upgrade: the restart member (its units) and the versions of the upgraded packages it has now.</summary>
public sealed record UpgradeMember(RestartMember Member, IReadOnlyDictionary<string, string> Installed)
{
    public bool IsAt(string version) => Installed.Count > 0 && Installed.Values.All(v => v == version);
    public string InstalledText => Installed.Count == 0 ? "not installed" : string.Join(", ", Installed.Select(p => $"{p.Key} {p.Value}"));
}

/// <summary>What an upgrade reads on its members before and after: apply's own fact script and parser, all members at once.</summary>
internal static class MemberFacts
{
    public static async Task<IReadOnlyList<HostFacts>> ReadAsync(DrillContext context, IReadOnlyList<RestartMember> members, FactQuery query, CancellationToken cancellation)
    {
        var script = FactScript.Build(query).Raw;
        var answers = await Task.WhenAll(members.Select(m => context.RunCheckedAsync(m.Host, script, cancellation)));
        return answers.Select(FactParser.Parse).ToList();
    }
}

/// <summary>Why an upgrade did not start (no package upgrade for the component, the version is not in the repository, ...).</summary>
public sealed class UpgradeRefusedException(string message) : Exception(message);

/// <summary>
/// <c>datalyptica upgrade SITE COMPONENT VERSION</c> for a component whose version is its Debian packages'
/// (<see cref="ComponentDefinition.VersionedPackages"/>): the restart's gates (<see cref="ComponentRestart"/>: members that
/// lead last after their hand-over, the whole component healthy twice in a row before the next member, stop at the first
/// member that does not come back), with a member's restart command preceded by the install of its packages at VERSION.
/// A member that fails its gate is rolled back (its previous versions installed again, its units restarted) and the
/// upgrade stops there. Members already at VERSION are skipped, so a stopped upgrade resumes by running it again.
/// </summary>
public static class PackageUpgrade
{
    /// <summary>The packages that move, refused when the component has none.</summary>
    public static IReadOnlyList<string> Packages(Site site, ComponentDefinition component)
    {
        var packages = component.VersionedPackages(site);
        if (packages.Count == 0)
        {
            var upgradable = ComponentCatalog.All.Where(c => c.VersionedPackages(site).Count > 0).Select(c => c.Id);
            throw new UpgradeRefusedException(component.Install == InstallSource.DistroPackage
                ? $"{component.Id} declares no packages that carry its version, so it has no package upgrade yet. Components with one: {string.Join(", ", upgradable)}."
                : $"{component.Id} is installed from its release archive, not from Debian packages: its upgrade switches its current link member by member (ArtifactUpgrade). Components with a package upgrade: {string.Join(", ", upgradable)}.");
        }
        return packages;
    }

    /// <summary>The members whose units restart: the restarted component's members on hosts that run the upgraded one.</summary>
    public static IReadOnlyList<RestartMember> Members(Site site, ComponentDefinition component, IReadOnlySet<string>? limit)
    {
        var restarts = ComponentCatalog.Get(component.UpgradeRestarts);
        return ComponentRestart.Members(site, restarts, limit).Where(m => component.Roles.Any(m.Host.Has)).ToList();
    }

    /// <summary>
    /// When the site's hosts install from the offline repository, it must hold every package at VERSION (else apt would
    /// fail on the first member, after its hand-over). A mirror is asked by apt itself.
    /// </summary>
    public static void RequireInRepository(RepositoryManifest? manifest, string directory, IReadOnlyList<string> packages, string version)
    {
        if (manifest is null) throw new UpgradeRefusedException($"'{directory}' is not a built repository (no repo.json). Fix: datalyptica repo build SITE --out {directory}.");
        var missing = packages.Where(p => !manifest.Packages.Any(d => d.Name == p && d.Version == version)).ToList();
        if (missing.Count == 0) return;
        var held = packages.Select(p => $"{p}: {string.Join(", ", manifest.Packages.Where(d => d.Name == p).Select(d => d.Version).DefaultIfEmpty("none"))}");
        throw new UpgradeRefusedException(
            $"the offline repository {directory} does not hold {string.Join(", ", missing)} at {version} (it holds {string.Join("; ", held)}). " +
            $"Fix: datalyptica repo build SITE --out {directory} --package {missing[0]}={version} (one --package per package), or pick a version it holds.");
    }

    /// <summary>
    /// The installed version of each package on every member: the engine's own fact script and parser (one dpkg-query;
    /// a package that is only half-configured or left as config files is not installed).
    /// </summary>
    public static async Task<IReadOnlyList<UpgradeMember>> InstalledAsync(DrillContext context, IReadOnlyList<RestartMember> members,
        IReadOnlyList<string> packages, CancellationToken cancellation)
    {
        var query = new FactQuery();
        foreach (var package in packages) query.Package(package);
        var all = await MemberFacts.ReadAsync(context, members, query, cancellation);
        return members.Select((m, i) =>
        {
            var facts = all[i];
            var installed = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var package in packages)
                if (facts.Package(package) is { Installed: true, Version: { } version }) installed[package] = version;
            return new UpgradeMember(m, installed);
        }).ToList();
    }

    /// <summary>
    /// The packages a member moves: those of <paramref name="packages"/> it has (a Sentinel-only host has no redis-server,
    /// and an upgrade must not install one there); all of them on a member that has none yet.
    /// </summary>
    public static IReadOnlyList<string> PackagesOf(UpgradeMember member, IReadOnlyList<string> packages) =>
        member.Installed.Count == 0 ? packages : packages.Where(member.Installed.ContainsKey).ToList();

    /// <summary>A member's upgrade: its packages at <paramref name="version"/>, then its units restarted.</summary>
    public static string UpgradeCommand(RestartMember member, IReadOnlyList<string> packages, string version, TransientAptSource? source) =>
        InstallThenRestart(member, packages.Select(p => $"{p}={version}"), source);

    /// <summary>A member's way back: the versions it had before, then its units restarted.</summary>
    public static string RollbackCommand(UpgradeMember member, TransientAptSource? source) =>
        InstallThenRestart(member.Member, member.Installed.Select(p => $"{p.Key}={p.Value}"), source);

    // The install runs in a subshell: it ends with its own `exit` (after putting policy-rc.d and the transient source back).
    private static string InstallThenRestart(RestartMember member, IEnumerable<string> pinned, TransientAptSource? source) =>
        $"( {PackageResource.InstallCommand(PackageManager.Apt, pinned, source, movesPins: true)} ) && {ComponentRestart.SystemctlRestart(member)}";
}

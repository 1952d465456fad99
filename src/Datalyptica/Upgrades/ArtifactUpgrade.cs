using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Drilling;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Apply;
using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;
using Datalyptica.Model;
using Datalyptica.Restarts;

namespace Datalyptica.Upgrades;

/// <summary>
/// <c>datalyptica upgrade SITE COMPONENT VERSION</c> for a component installed from its release archive (Trino, Kafka,
/// ...). Apply already installs each version side by side in <c>/opt/datalyptica/ID/VERSION</c> behind a <c>current</c>
/// link (<see cref="ArtifactResource"/>); the upgrade moves one member at a time under the restart's gates
/// (<see cref="ComponentRestart"/>) by applying that member's part of the plan with the site at VERSION: the release
/// unpacked beside the running one, every file that names the version rendered again, <c>current</c> switched, the units
/// restarted. A member that fails its gate is applied again at the version it ran (the folder was kept, so this is a
/// link switch and a restart) and the upgrade stops there. The site records VERSION once every member runs it.
/// </summary>
public static class ArtifactUpgrade
{
    /// <summary>The release of <paramref name="component"/> at <paramref name="version"/>, refused when the site cannot install it side by side.</summary>
    public static ArtifactRelease Release(Site site, ComponentDefinition component, string version)
    {
        if (ArtifactCatalog.FromSite(site).Overridden.Contains(component.Id))
            throw new UpgradeRefusedException(
                $"the site names {component.Id}'s archive itself in {ArtifactCatalog.SiteKey}.{component.Id} (one url and sha512, whatever version is pinned), " +
                $"so the upgrade cannot hold two versions of it. Fix: remove that entry and store the releases (datalyptica artifacts fetch SITE --release {component.Id}={version}), " +
                $"or change its url and sha512 together with {SiteKeys.Versions}.{component.Id} and apply (without the upgrade's one-member-at-a-time gates).");
        if (component.Releases.Count == 0)
            throw new UpgradeRefusedException($"{component.Id} is built by the site ({component.SiteBuiltArtifact}), not released upstream: its version moves with " +
                $"{ArtifactCatalog.SiteKey}.{component.Id} and {SiteKeys.Versions}.{component.Id}, then apply (docs/PYTHON-APPS.md).");
        return component.Releases.FirstOrDefault(r => r.Version == version)
            ?? throw new UpgradeRefusedException($"datalyptica has no release manifest of {component.Id} {version}: it installs {component.Id} " +
                $"{string.Join(", ", component.Releases.Select(r => r.Version))} (Components/{component.Id}, the release's url and checksum). " +
                "Fix: pick one of those, or a datalyptica version that knows the release.");
    }

    /// <summary>
    /// The site with <paramref name="component"/> at <paramref name="version"/>; refused when the site's artifact store
    /// does not hold that release, or holds a stand-in and the site is not a lab.
    /// </summary>
    public static Site At(Site site, ComponentDefinition component, string version)
    {
        var release = Release(site, component, version);
        var upgraded = site with { Versions = new Dictionary<string, string>(site.Versions) { [component.Id] = version } };
        var resolved = ArtifactCatalog.FromSite(upgraded).Resolve(release.Artifact, version, release);
        if (resolved.Source is null)
            throw new UpgradeRefusedException($"{component.Id} {version}: {release.FileName} is not in the site's artifact store. " +
                $"Fix: datalyptica artifacts fetch SITE --release {component.Id}={version} (or artifacts import SITE --from DIR --release {component.Id}={version} on an air-gapped control node).");
        if (resolved.StandIn && !site.IsLab)
            throw new UpgradeRefusedException($"{component.Id} {version} in the site's artifact store is a stand-in (the lab's, docs/STAND-INS.md), and {site.Name} is not a lab. " +
                $"Fix: datalyptica artifacts fetch SITE --release {component.Id}={version} stores the real release over it.");
        return upgraded;
    }

    /// <summary>The version each member's <c>current</c> link points at, as <see cref="UpgradeMember"/>s keyed by the component id.</summary>
    public static async Task<IReadOnlyList<UpgradeMember>> InstalledAsync(DrillContext context, IReadOnlyList<RestartMember> members,
        ComponentDefinition component, CancellationToken cancellation)
    {
        var link = PlatformPaths.Current(component.Id);
        var facts = await MemberFacts.ReadAsync(context, members, new FactQuery().Link(link), cancellation);
        return members.Select((m, i) =>
        {
            var version = VersionOf(component.Id, facts[i].Link(link).Target);
            return new UpgradeMember(m, version is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [component.Id] = version });
        }).ToList();
    }

    /// <summary>The version folder a <c>current</c> link points at (<c>/opt/datalyptica/trino/470</c> → 470); null for anything else.</summary>
    public static string? VersionOf(string component, string? target)
    {
        var root = $"{PlatformPaths.InstallRoot}/{component}/";
        if (target is null || !target.StartsWith(root, StringComparison.Ordinal)) return null;
        var version = target[root.Length..].TrimEnd('/');
        return version.Length == 0 || version.Contains('/') ? null : version;
    }

    /// <summary>
    /// The resources of <paramref name="component"/> on one host in <paramref name="desired"/>: its own (files, units,
    /// commands, its artifact) and the runtimes it declares (Trino's JDK), nothing of other components.
    /// </summary>
    public static HostDesiredState Own(HostDesiredState desired, ComponentDefinition component) =>
        desired with
        {
            Resources = desired.Resources.Where(r => r.Resource.Component == component.Id
                || (r.Resource is ArtifactResource && component.Runtimes.Any(rt => rt.Artifact == r.Resource.Component))).ToList(),
        };

    /// <summary>
    /// Applies <paramref name="component"/>'s part of <paramref name="prepared"/> on one member with apply's own engine
    /// (plan from the member's facts, then apply, journalled like apply): an upgrade's step at the new version, and its
    /// roll back at the old one. Throws with apply's failures when it does not complete.
    /// </summary>
    public static async Task ApplyMemberAsync(DrillContext context, PreparedSite prepared, ComponentDefinition component, RestartMember member,
        ApplyOptions options, CancellationToken cancellation)
    {
        var host = member.Host.Name;
        var desired = prepared.Desired.Where(d => d.Host == host).Select(d => Own(d, component)).ToList();
        await using var transport = context.ApplyTransport(member.Host);
        IHostTransport Connect(string name) => name == host ? transport : throw new InvalidOperationException($"the upgrade of {host} asked for {name}");
        var plan = await Planner.PlanAsync(prepared.Site.Name, desired, Connect, prepared.Options(1), context.Masker, cancellation);
        if (plan.Hosts.SelectMany(h => h.Changes).FirstOrDefault(c => c.Action == ChangeAction.Unavailable) is { } unavailable)
            throw new UpgradeRefusedException($"{host}: {unavailable.Reason}");
        var result = await PlanApplier.ApplyAsync(plan, Connect, options with { Limit = new HashSet<string> { host }, Parallelism = 1 }, cancellation);
        if (result.Status != ApplyStatus.Completed)
            throw new InvalidOperationException($"apply of {component.Id} on {host} {result.Status.ToString().ToLowerInvariant()}: " +
                $"{(result.Failures.Count > 0 ? string.Join("; ", result.Failures) : result.Message)} (journal: {result.JournalPath})");
    }

    /// <summary>The progress line of a member's step.</summary>
    public static string Describe(UpgradeMember before, string version, RestartMember member) =>
        $"{before.InstalledText} -> {version}: {version} beside it (unpacked unless kept), its files rendered for {version}, current switched, then {string.Join(' ', member.UnitNames)} restarted (apply of this member)";
}

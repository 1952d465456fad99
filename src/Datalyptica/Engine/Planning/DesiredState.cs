using Datalyptica.Components;
using Datalyptica.Components.OsBaseLayer;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Repository;
using Datalyptica.Engine.Resources;
using Datalyptica.Model;
using Datalyptica.Rendering;

namespace Datalyptica.Engine.Planning;

/// <summary>
/// A resource and the layer it is applied in. <see cref="OpensBarrier"/> and <see cref="AwaitsBarriers"/> order hosts:
/// a change that awaits a barrier starts only after the change that opens it (on another host, same layer) succeeded.
/// </summary>
public sealed record LayeredResource(Layer Layer, IResource Resource)
{
    /// <summary>A once-per-cluster step: its change opens this barrier when it succeeds.</summary>
    public string? OpensBarrier { get; init; }
    /// <summary>A service on another member: its change waits for these barriers (when they are in the same apply).</summary>
    public IReadOnlyList<string> AwaitsBarriers { get; init; } = [];
}

/// <summary>Everything one host must have, in apply order (layer, then the order within the component).</summary>
public sealed record HostDesiredState(string Host, IReadOnlyList<LayeredResource> Resources)
{
    /// <summary>
    /// Components that run elsewhere in the site and whose members leave a cluster in order (hand-over, drain, the
    /// others forgetting them), with how to take this host out of one: their units are never deleted by a plan
    /// (<see cref="Ownership"/>), only by `hosts remove`.
    /// </summary>
    public IReadOnlyDictionary<string, string> DepartureGuards { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Builds each host's resources from the site, its rendered files and the component catalog: what each component's
/// lifecycle declares (units, replaced units, guarded commands; Contracts/Lifecycle.cs), combined with no knowledge of
/// any particular component. Per component the order is: packages, artifact, folders, files, accounts (sysusers,
/// tmpfiles), sysctl, replaced units, first-start commands (<see cref="CommandPhase.BeforeServices"/>), services, then
/// commands against the running services (<see cref="CommandPhase.AfterServices"/>). Ordering traps are handled here, in code:
/// <list type="bullet">
/// <item>Debian starts services on install (found on the lab). Packages go BEFORE configuration because the files are owned by
/// users the packages create (postgres, redis, etcd), so apt runs under a policy-rc.d guard that forbids starting
/// anything (<see cref="PackageResource"/>); services start only once their configuration is in place.</item>
/// <item>A distro unit a component replaces (Patroni owns PostgreSQL: cluster 15/main) is stopped and masked before the
/// component's own services start, so it never competes for the port or the data directory, even after a reboot.</item>
/// <item>A first-start step reads the component's rendered files (Kafka's format reads server.properties) and must finish
/// before a unit starts (the unit refuses unformatted storage, or starts unbuilt). A run restarts the units it names, so a
/// re-run (a changed Keycloak build option) takes effect. A once-per-cluster step (<see cref="GuardedCommand.OnOneMemberOf"/>)
/// is placed on the first member of its role in inventory order only; the other members' units await its barrier, so
/// in apply they start after it succeeded (PlanApplier).</item>
/// </list>
/// </summary>
public static class DesiredStateBuilder
{
    public static IReadOnlyList<HostDesiredState> Build(Site site, IReadOnlyList<HostFiles> rendered, ArtifactCatalog artifacts) =>
        rendered.AsParallel().AsOrdered().Select(h => ForHost(site, h, artifacts)).ToList();

    public static HostDesiredState ForHost(Site site, HostFiles hostFiles, ArtifactCatalog artifacts)
    {
        var host = hostFiles.Host;
        var resources = new List<LayeredResource>();
        var knownDirectories = new HashSet<string>(StringComparer.Ordinal);
        var filesByComponent = hostFiles.Files.ToLookup(f => f.Component);

        // Package sources before any package: hosts with no route out install only from the site's source, which for the
        // offline repository travels with each package install (AptSourceRenderer).
        var source = AptSource.Configured(site);
        if (source is not null) resources.AddRange(AptSourceResources(source).Select(r => new LayeredResource(Layer.Prerequisites, r)));
        // Without the site's key (verify, which reads only the units) packages cannot be planned: that fails at Plan, not here.
        var transient = source is { IsOfflineRepository: true, SigningKey: not null } ? AptSourceRenderer.Transient(source) : null;
        var sourceProblem = source is { IsOfflineRepository: true, SigningKey: null } ? AptSourceRenderer.MissingSigningKey : null;

        // OS base first: every host, prerequisites layer.
        AddComponent(resources, knownDirectories, site, host, Layer.Prerequisites, OsBaseRenderer.ComponentId, OsBaseLifecycle.Declaration,
            OsBase.DebianPackages, (transient, sourceProblem), [], filesByComponent[OsBaseRenderer.ComponentId].ToList());

        var hostArtifacts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var layer in Layers.InOrder.Skip(1))
            foreach (var component in ComponentCatalog.All.Where(c => Layers.Of(c.Tier) == layer && c.Roles.Any(host.Has)))
            {
                var own = component.InstallOn(site) == InstallSource.Artifact ? Artifacts(site, component, artifacts, hostArtifacts) : [];
                // What unpacking needs on the host (unzip for a zip) comes with the component's own packages.
                var packages = component.PackagesFor(site).Concat(own.SelectMany(a => a.Release?.HostPackages ?? [])).Distinct(StringComparer.Ordinal).ToList();
                AddComponent(resources, knownDirectories, site, host, layer, component.Id, component.Lifecycle, packages, (transient, sourceProblem),
                    own.Select(a => a.Resource).ToList(), filesByComponent[component.Id].ToList());
            }
        return Ownership.WithRecords(new HostDesiredState(host.Name, resources) { DepartureGuards = DepartureGuards(site, host) });
    }

    /// <summary>
    /// The components deployed in the site whose members hand over, drain or are forgotten when they leave, for the
    /// host that does not (or no longer) run them: leaving by an inventory edit would skip those steps.
    /// </summary>
    private static Dictionary<string, string> DepartureGuards(Site site, Host host)
    {
        var guards = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var component in ComponentCatalog.All.Where(site.Deploys))
        {
            var ordered = component.Roles.Where(r => component.DepartureOf(r) is var d && (d.Refused is not null || d.Drain.Count > 0 || d.AfterLeave.Count > 0))
                .Concat(component.Lifecycle.Units.Any(u => u.HandOver is not null) ? component.Roles : []).Distinct()
                .Where(r => !host.Has(r)).ToList();
            if (ordered.Count == 0) continue;
            guards[component.Id] = $"Fix: put {host.Name} back in {string.Join(" and ", ordered.Select(r => r.Group))}, then take it out with " +
                                   $"`datalyptica hosts remove SITE {host.Name} --group GROUP`, which hands over, drains and has the other members forget it.";
        }
        return guards;
    }

    /// <summary>
    /// The artifacts an artifact component installs on a host: the runtimes it needs (Trino's JDK) first, then its own
    /// release at the site's version; each artifact once per host, whichever component needs it first.
    /// </summary>
    private static List<(ArtifactResource Resource, ArtifactRelease? Release)> Artifacts(Site site, ComponentDefinition component, ArtifactCatalog artifacts, HashSet<string> onHost)
    {
        var version = site.Versions.GetValueOrDefault(component.Id, component.DefaultVersion);
        var wanted = component.Runtimes.Select(r => (r.Artifact, r.Version, Release: (ArtifactRelease?)r))
            .Append((component.Id, version, component.Releases.FirstOrDefault(r => r.Version == version)));
        var result = new List<(ArtifactResource, ArtifactRelease?)>();
        foreach (var (artifact, artifactVersion, release) in wanted)
        {
            if (!onHost.Add(artifact)) continue;
            var resolved = artifacts.Resolve(artifact, artifactVersion, release);
            result.Add((ArtifactResource.For(artifact, artifactVersion, resolved.Source, release, resolved.Unavailable) with { StandIn = resolved.StandIn }, release));
        }
        return result;
    }

    private static void AddComponent(List<LayeredResource> into, HashSet<string> knownDirectories, Site site, Host host, Layer layer, string component,
        ComponentLifecycle lifecycle, IReadOnlyList<string> packages, (TransientAptSource? Transient, string? Problem) source, IReadOnlyList<ArtifactResource> artifacts, List<RenderedFile> files)
    {
        var own = new List<IResource>();
        if (packages.Count > 0)
        {
            var pins = PackagePins.Of(site).Where(p => packages.Contains(p.Key)).ToDictionary();
            own.Add(new PackageResource(packages, component) { Source = source.Transient, SourceProblem = source.Problem, Pins = pins });
        }
        own.AddRange(artifacts);

        // Parents of our files must exist; their owner and mode stay as the package (or tmpfiles.d) made them.
        foreach (var dir in files.Select(f => f.Path[..f.Path.LastIndexOf('/')]).Where(d => d.Length > 0).Distinct().Order(StringComparer.Ordinal))
            if (knownDirectories.Add(dir)) own.Add(new DirectoryResource(dir, component));

        var fileResources = files.Select(FileResource.From).ToList();
        own.AddRange(fileResources);

        own.AddRange(AccountCommands(component, files));
        var sysctl = files.FirstOrDefault(f => f.Path.StartsWith("/etc/sysctl.d/", StringComparison.Ordinal));
        if (sysctl is not null) own.Add(SysctlResource.FromFile(sysctl.Path, sysctl.Content, component));

        foreach (var replaced in lifecycle.Replaces)
            own.Add(new SystemdServiceResource(replaced.Unit, component) { State = ServiceState.Masked, MaskReason = replaced.Why });

        var commands = (lifecycle.Commands?.Invoke(site, host) ?? []).ToList();
        // A once-per-cluster command runs on the first member of its role in inventory order.
        bool RunsHere(RoleDefinition role) => site.HostsWith(role).FirstOrDefault()?.Name == host.Name;
        var barriers = new Dictionary<IResource, string>();
        var awaited = new List<string>();
        var firstStart = new List<(CommandResource Resource, GuardedCommand Declared)>();
        foreach (var command in commands.Where(c => c.When == CommandPhase.BeforeServices))
        {
            if (command.OnOneMemberOf is { } role)
            {
                var barrier = $"{component}:{command.Name}";
                // The first member of the role in inventory order runs it; the others' services wait for it in apply.
                if (!RunsHere(role)) { awaited.Add(barrier); continue; }
                var once = Resource(command, component);
                barriers[once] = barrier;
                firstStart.Add((once, command));
            }
            else firstStart.Add((Resource(command, component), command));
        }
        own.AddRange(firstStart.Select(c => c.Resource));

        var inputs = own.Where(r => r is not CommandResource c || !firstStart.Any(f => f.Resource == c)).Select(r => r.Id).ToList();
        var unitFiles = fileResources.Where(f => f.Kind == FileKind.SystemdUnit).ToList();
        var units = ManagedUnits(lifecycle, component, unitFiles.Select(f => f.Path));
        var services = new List<IResource>();
        foreach (var unit in units)
            services.Add(new SystemdServiceResource(unit.ManagedName, component)
            {
                // A unit that reads only some of its component's files restarts only for those (and its package); a
                // first-start step that ran restarts the units it names.
                Inputs = (unit.Reads is { } prefixes
                    ? inputs.Where(id => id.StartsWith("package:", StringComparison.Ordinal) || prefixes.Any(p => id.StartsWith("file:" + p, StringComparison.Ordinal)))
                    : inputs)
                    .Concat(firstStart.Where(f => f.Declared.Restarts is null || f.Declared.Restarts.Contains(unit.Name)).Select(f => f.Resource.Id)).ToList(),
                UnitFiles = unitFiles.Where(f => UnitNameOf(f.Path) == unit.Name).Select(f => f.Id).ToList(),
                ReloadInputs = unit.OnConfigChange == OnConfigChange.Reload
                    ? fileResources.Where(f => f.Kind != FileKind.SystemdUnit).Select(f => f.Id).ToList() : [],
                Rolling = unit.Rolling?.Invoke(site, host),
            });
        own.AddRange(services);

        foreach (var command in commands.Where(c => c.When == CommandPhase.AfterServices))
        {
            if (command.OnOneMemberOf is { } role && !RunsHere(role)) continue;
            own.Add(Resource(command, component));
        }

        into.AddRange(own.Select(r => new LayeredResource(layer, r)
        {
            OpensBarrier = barriers.GetValueOrDefault(r),
            AwaitsBarriers = awaited.Count > 0 && services.Contains(r) ? awaited : [],
        }));
    }

    private static CommandResource Resource(GuardedCommand command, string component) =>
        new(command.Name, command.Command, component)
        {
            Unless = command.Unless, UnlessFailed = command.UnlessFailed,
            OnChangeOf = command.OnChangeOfFiles.Select(FileResource.IdFor).ToList(),
        };

    /// <summary>The declaration of a unit whose file the component rendered; a unit no declaration names is a catalog bug.</summary>
    /// <summary>
    /// The units apply manages for a component on a host, given the unit files and drop-ins rendered there: those units,
    /// then the units packages bring wherever the component runs (restart takes the same set).
    /// </summary>
    public static IReadOnlyList<UnitSpec> ManagedUnits(ComponentLifecycle lifecycle, string component, IEnumerable<string> unitFilePaths) =>
        unitFilePaths.Select(UnitNameOf).OfType<string>().Select(name => Declared(lifecycle, component, name))
            .Concat(lifecycle.Units.Where(u => u.Source == UnitSource.Package)).Distinct().ToList();

    private static UnitSpec Declared(ComponentLifecycle lifecycle, string component, string unit) =>
        lifecycle.Units.FirstOrDefault(u => u.Name == unit)
        ?? throw new InvalidOperationException($"{component} renders a file for unit {unit} but its lifecycle does not declare that unit");

    /// <summary>
    /// The site's apt source. The offline repository leaves nothing in /etc/apt: only the source an older datalyptica
    /// wrote there (trusted=yes) is removed, a no-op on every other host. A permanent mirror, in the order
    /// AptSourceRenderer explains: our list and apt config first, then every other source moved aside (guarded: a no-op
    /// once none is left), then apt-get update when any of that changed, so the package resources that follow resolve
    /// against the new indexes.
    /// </summary>
    public static IReadOnlyList<IResource> AptSourceResources(AptSource source)
    {
        if (source.IsOfflineRepository)
        {
            var legacy = AptSourceRenderer.LegacyOfflineFiles;
            return [new CommandResource("apt-remove-legacy-offline-source",
                legacy.Aggregate(RemoteCommand.Shell("rm -f --"), (c, f) => c.Arg(f)).Raw, AptSourceRenderer.Component)
                { Unless = string.Join(" && ", legacy.Select(f => RemoteCommand.Shell("[ ! -e").Arg(f).Then(" ]").Raw)) }];
        }
        var files = AptSourceRenderer.Render(source).Select(FileResource.From).ToList();
        var disable = new CommandResource("apt-disable-other-sources", AptSourceRenderer.DisableOtherSources().Raw, AptSourceRenderer.Component)
            { Unless = $"! ( {AptSourceRenderer.OtherSourcesActive().Raw} )" }; // ( ): its exit must not end the guard's shell
        var update = new CommandResource("apt-update", $"DEBIAN_FRONTEND=noninteractive apt-get update -q {PackageResource.AptLockWait}", AptSourceRenderer.Component)
            { OnChangeOf = [.. files.Select(f => f.Id), disable.Id] };
        return [.. files, disable, update];
    }

    /// <summary>
    /// Service users and folders take effect when their files change (systemd-sysusers, systemd-tmpfiles). Only the OS
    /// base renders a sysusers file; tmpfiles files come from the OS base and, for package users, from each component.
    /// </summary>
    private static IEnumerable<IResource> AccountCommands(string component, List<RenderedFile> files)
    {
        foreach (var file in files)
        {
            if (file.Path.StartsWith("/etc/sysusers.d/", StringComparison.Ordinal))
                yield return new CommandResource("systemd-sysusers", $"systemd-sysusers {file.Path}", component)
                    { OnChangeOf = [FileResource.IdFor(file.Path)] };
            else if (file.Path.StartsWith("/etc/tmpfiles.d/", StringComparison.Ordinal))
                yield return new CommandResource(file.Path == HostAccounts.TmpfilesPath ? "systemd-tmpfiles" : $"systemd-tmpfiles:{file.Path}", $"systemd-tmpfiles --create {file.Path}", component)
                    { OnChangeOf = [FileResource.IdFor(file.Path)] };
        }
    }

    /// <summary>
    /// /etc/systemd/system/kafka-broker.service → kafka-broker; …/etcd.service.d/x.conf → etcd; a scheduled job's
    /// …/backup.timer → backup (the job and its timer are one declared unit, <see cref="UnitSpec.StartedByTimer"/>).
    /// </summary>
    public static string? UnitNameOf(string path)
    {
        const string prefix = "/etc/systemd/system/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var rest = path[prefix.Length..];
        if (rest.EndsWith(".timer", StringComparison.Ordinal) && !rest.Contains('/')) return rest[..^".timer".Length];
        var end = rest.IndexOf(".service", StringComparison.Ordinal);
        return end > 0 ? rest[..end] : null;
    }
}

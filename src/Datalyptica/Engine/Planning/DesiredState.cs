using Datalyptica.Components;
using Datalyptica.Components.Etcd;
using Datalyptica.Components.Patroni;
using Datalyptica.Components.Redis;
using Datalyptica.Components.ZooKeeper;
using Datalyptica.Engine.Repository;
using Datalyptica.Engine.Resources;
using Datalyptica.Model;
using Datalyptica.Rendering;

namespace Datalyptica.Engine.Planning;

/// <summary>A resource and the layer it is applied in.</summary>
public sealed record LayeredResource(Layer Layer, IResource Resource);

/// <summary>Everything one host must have, in apply order (layer, then the order within the component).</summary>
public sealed record HostDesiredState(string Host, IReadOnlyList<LayeredResource> Resources);

/// <summary>
/// Builds each host's resources from the site, its rendered files and the component catalog. Per component the order
/// is: packages, artifact, folders, files, commands, services. Ordering traps are handled here, in code:
/// <list type="bullet">
/// <item>Debian starts services on install (LAB-NOTES). Packages go BEFORE configuration because the files are owned by
/// users the packages create (postgres, redis, etcd), so apt runs under a policy-rc.d guard that forbids starting
/// anything (<see cref="PackageResource"/>); services start only once their configuration is in place.</item>
/// <item>Patroni owns PostgreSQL: the distro's postgresql unit (cluster 15/main) is stopped and masked so it never
/// competes for the port or the data directory, even after a reboot.</item>
/// </list>
/// </summary>
public static class DesiredStateBuilder
{
    /// <summary>Units Debian packages bring for components that render no unit of their own (only configuration).</summary>
    private static readonly IReadOnlyDictionary<string, string[]> PackagedUnits = new Dictionary<string, string[]>
    {
        ["haproxy"] = ["haproxy"],
        ["keepalived"] = ["keepalived"],
        ["prometheus"] = ["prometheus"],
        ["alertmanager"] = ["prometheus-alertmanager"],
        // pgbackrest: its TLS server, which the member running a backup reaches the others through (pgN-host-type=tls).
        ["postgresql"] = ["prometheus-postgres-exporter", "pgbackrest"],
        ["redis"] = ["prometheus-redis-exporter"],
        [OsBaseRenderer.ComponentId] = ["chrony", "nftables", "prometheus-node-exporter"],
    };

    /// <summary>
    /// Units of one component that read different files: the file-path prefixes each one reads. Found on the lab: a
    /// changed /etc/sysctl.d file (applied by its own sysctl resource) restarted chrony, nftables and node exporter.
    /// </summary>
    private static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, string[]>> UnitInputs = new Dictionary<string, IReadOnlyDictionary<string, string[]>>
    {
        [OsBaseRenderer.ComponentId] = new Dictionary<string, string[]>
        {
            ["chrony"] = ["/etc/chrony/", "/etc/systemd/system/chrony.service"],
            ["nftables"] = ["/etc/nftables.conf"],
            ["prometheus-node-exporter"] = ["/etc/default/prometheus-node-exporter"],
        },
    };

    /// <summary>Units that apply their configuration files on reload (SIGHUP) with no restart: Patroni (postgres parameters
    /// that need a restart show as pending in Patroni instead) and HAProxy (Debian's unit reloads seamlessly).</summary>
    private static readonly HashSet<string> ReloadOnConfigChange = ["patroni", "haproxy"];

    /// <summary>
    /// Units that restart one member at a time, each healthy again before the next (a changed etcd.conf.yml restarted
    /// every member at once: the cluster had no quorum until they were all back). Keepalived and HAProxy have no
    /// quorum, but all of them restarting at once drops the VIP.
    /// </summary>
    private static readonly IReadOnlyDictionary<string, Func<Site, Host, RollingRestart>> RollingUnits = new Dictionary<string, Func<Site, Host, RollingRestart>>
    {
        ["etcd"] = (_, host) => EtcdComponent.Rolling(host),
        ["zookeeper"] = (_, host) => ZooKeeperComponent.Rolling(host),
        ["redis-server"] = (_, host) => RedisComponent.ServerRolling(host),
        ["redis-sentinel"] = RedisComponent.SentinelRolling,
        ["keepalived"] = (_, _) => new RollingRestart("keepalived", "systemctl is-active --quiet keepalived"),
        ["haproxy"] = (_, _) => new RollingRestart("haproxy", "systemctl is-active --quiet haproxy"),
    };

    /// <summary>Distro units a component replaces, with the reason shown in the plan.</summary>
    private static readonly IReadOnlyDictionary<string, (string Unit, string Why)[]> ReplacedUnits = new Dictionary<string, (string, string)[]>
    {
        ["patroni"] = [("postgresql", "Patroni owns PostgreSQL; the distro cluster 15/main must never run")],
    };

    public static IReadOnlyList<HostDesiredState> Build(Site site, IReadOnlyList<HostFiles> rendered, ArtifactCatalog artifacts) =>
        rendered.AsParallel().AsOrdered().Select(h => ForHost(site, h, artifacts)).ToList();

    public static HostDesiredState ForHost(Site site, HostFiles hostFiles, ArtifactCatalog artifacts)
    {
        var host = hostFiles.Host;
        var resources = new List<LayeredResource>();
        var knownDirectories = new HashSet<string>(StringComparer.Ordinal);
        var filesByComponent = hostFiles.Files.ToLookup(f => f.Component);

        // Package sources before any package: hosts with no route out install only from the site's source.
        if (AptSource.Configured(site) is { } source) resources.AddRange(AptSourceResources(source).Select(r => new LayeredResource(Layer.Prerequisites, r)));

        // OS base first: every host, prerequisites layer.
        AddComponent(resources, knownDirectories, site, host, Layer.Prerequisites, OsBaseRenderer.ComponentId, OsBase.DebianPackages,
            artifact: null, filesByComponent[OsBaseRenderer.ComponentId].ToList());

        foreach (var layer in Layers.InOrder.Skip(1))
            foreach (var component in ComponentCatalog.All.Where(c => Layers.Of(c.Tier) == layer && c.Roles.Any(host.Has)))
            {
                ArtifactResource? artifact = null;
                if (component.Install == InstallSource.Artifact)
                    artifact = new ArtifactResource(component.Id, site.Versions.GetValueOrDefault(component.Id, component.DefaultVersion), artifacts.Find(component.Id));
                AddComponent(resources, knownDirectories, site, host, layer, component.Id, component.DebianPackages, artifact, filesByComponent[component.Id].ToList());
            }
        return new HostDesiredState(host.Name, resources);
    }

    private static void AddComponent(List<LayeredResource> into, HashSet<string> knownDirectories, Site site, Host host, Layer layer, string component,
        IReadOnlyList<string> packages, ArtifactResource? artifact, List<RenderedFile> files)
    {
        var own = new List<IResource>();
        if (packages.Count > 0) own.Add(new PackageResource(packages, component));
        if (artifact is not null) own.Add(artifact);

        // Parents of our files must exist; their owner and mode stay as the package (or tmpfiles.d) made them.
        foreach (var dir in files.Select(f => f.Path[..f.Path.LastIndexOf('/')]).Where(d => d.Length > 0).Distinct().Order(StringComparer.Ordinal))
            if (knownDirectories.Add(dir)) own.Add(new DirectoryResource(dir, component));

        var fileResources = files.Select(FileResource.From).ToList();
        own.AddRange(fileResources);

        own.AddRange(AccountCommands(component, files));
        var sysctl = files.FirstOrDefault(f => f.Path.StartsWith("/etc/sysctl.d/", StringComparison.Ordinal));
        if (sysctl is not null) own.Add(SysctlResource.FromFile(sysctl.Path, sysctl.Content, component));

        foreach (var (unit, why) in ReplacedUnits.GetValueOrDefault(component) ?? [])
            own.Add(new SystemdServiceResource(unit, component) { State = ServiceState.Masked, MaskReason = why });

        var inputs = own.Select(r => r.Id).ToList();
        var ownInputs = UnitInputs.GetValueOrDefault(component);
        var unitFiles = fileResources.Where(f => f.Kind == FileKind.SystemdUnit).ToList();
        var units = unitFiles.Select(f => UnitNameOf(f.Path)).OfType<string>()
            .Concat(PackagedUnits.GetValueOrDefault(component) ?? []).Distinct().ToList();
        foreach (var unit in units)
            own.Add(new SystemdServiceResource(unit, component)
            {
                // A component whose units read different files restarts each only for its own (and its package).
                Inputs = ownInputs?.GetValueOrDefault(unit) is { } prefixes
                    ? inputs.Where(id => id.StartsWith("package:", StringComparison.Ordinal) || prefixes.Any(p => id.StartsWith("file:" + p, StringComparison.Ordinal))).ToList()
                    : inputs,
                UnitFiles = unitFiles.Where(f => UnitNameOf(f.Path) == unit).Select(f => f.Id).ToList(),
                ReloadInputs = ReloadOnConfigChange.Contains(unit)
                    ? fileResources.Where(f => f.Kind != FileKind.SystemdUnit).Select(f => f.Id).ToList() : [],
                Rolling = RollingUnits.GetValueOrDefault(unit)?.Invoke(site, host),
            });

        // sentinel.conf is seed-only: its monitoring settings are checked and set on the running Sentinel instead.
        if (component == RedisComponent.Sentinel.Component.Id && host.Has(RedisComponent.Sentinel))
        {
            var (check, set) = RedisRenderer.SentinelSettings(site, host);
            own.Add(new CommandResource("sentinel-settings", set, component)
                { Unless = check, UnlessFailed = $"the running Sentinel's settings differ from the site's (SENTINEL MASTER {RedisRenderer.MasterName(site)})" });
        }

        // Patroni reads bootstrap.dcs only when it creates the cluster: later changes to ttl, loop_wait, synchronous mode or
        // DCS-only parameters go through the DCS. One member pushes them, after its own service (not a service input).
        if (component == PatroniComponent.Member.Component.Id && PatroniRenderer.DcsSyncHost(site)?.Name == host.Name)
        {
            // The check runs again inside the command: on a first apply the file is new but no cluster exists yet (the check
            // passes, and Patroni bootstraps from the same values); edit-config would fail there.
            var check = $"python3 {PatroniRenderer.DcsCheckPath}";
            own.Add(new CommandResource("patroni-dcs", $"{check} || patronictl -c {PatroniRenderer.ConfigPath} edit-config --apply {PatroniRenderer.DcsPath} --force", component)
                // OnChangeOf: at plan time the guard still reads the old file, so a changed file must run it by itself.
                { Unless = check, OnChangeOf = [FileResource.IdFor(PatroniRenderer.DcsPath)], UnlessFailed = $"the live DCS differs from {PatroniRenderer.DcsPath}" });
        }

        into.AddRange(own.Select(r => new LayeredResource(layer, r)));
    }

    /// <summary>
    /// The site's apt source, in the order AptSourceRenderer explains: our list and apt config first, then every other
    /// source moved aside (guarded: a no-op once none is left), then apt-get update when any of that changed, so the
    /// package resources that follow resolve against the new indexes.
    /// </summary>
    public static IReadOnlyList<IResource> AptSourceResources(AptSource source)
    {
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
        var osBase = component == OsBaseRenderer.ComponentId;
        foreach (var file in files)
        {
            if (file.Path.StartsWith("/etc/sysusers.d/", StringComparison.Ordinal))
                yield return new CommandResource("systemd-sysusers", $"systemd-sysusers {file.Path}", component)
                    { OnChangeOf = [FileResource.IdFor(file.Path)] };
            else if (file.Path.StartsWith("/etc/tmpfiles.d/", StringComparison.Ordinal))
                yield return new CommandResource(osBase ? "systemd-tmpfiles" : $"systemd-tmpfiles:{file.Path}", $"systemd-tmpfiles --create {file.Path}", component)
                    { OnChangeOf = [FileResource.IdFor(file.Path)] };
        }
    }

    /// <summary>/etc/systemd/system/kafka-broker.service → kafka-broker; …/etcd.service.d/x.conf → etcd.</summary>
    public static string? UnitNameOf(string path)
    {
        const string prefix = "/etc/systemd/system/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var rest = path[prefix.Length..];
        var end = rest.IndexOf(".service", StringComparison.Ordinal);
        return end > 0 ? rest[..end] : null;
    }
}

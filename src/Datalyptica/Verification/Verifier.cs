using System.Collections.Concurrent;
using System.Diagnostics;
using Datalyptica.Components;
using Datalyptica.Components.OsBaseLayer;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Health;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;
using Datalyptica.Model;
using Datalyptica.Rendering;

namespace Datalyptica.Verification;

/// <summary>
/// <c>datalyptica verify</c>: every host's units, then every component's own probe (declared in its folder), in parallel
/// across hosts and components, each bounded by the per-probe timeout. Reads only: no command it runs changes a host.
/// </summary>
public static class Verifier
{
    public static async Task<VerifyReport> VerifyAsync(Site site, Func<Host, CancellationToken, Task<IProbeAccess>> access,
        VerifyOptions options, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var slots = new SemaphoreSlim(options.Parallelism, options.Parallelism);
        var hosts = site.Hosts.Where(options.Includes).ToList();
        var components = ComponentsInScope(site, options);
        var wantOsBase = options.Component is null || options.Component == OsBaseRenderer.ComponentId;
        var checks = new ConcurrentBag<HealthCheck>();

        // 1. Units of every component on every host (one systemctl per host), which also says what is installed where.
        var installed = new ConcurrentDictionary<(string Host, string Component), bool>();
        var unreachable = new ConcurrentDictionary<string, bool>();
        if (options.CheckUnits)
        {
            var problems = new List<(string Host, string Component, string Why)>();
            var units = UnitsByHost(site, problems);
            foreach (var (host, component, why) in problems.Where(p => hosts.Any(h => h.Name == p.Host) &&
                (p.Component == OsBaseRenderer.ComponentId ? wantOsBase : components.Any(c => c.Id == p.Component))))
                checks.Add(new HealthCheck(component, host, "units", HealthStatus.Failed,
                    $"units not checked: the site does not render for this component ({why}). Fix: datalyptica validate", TimeSpan.Zero));
            await Task.WhenAll(hosts.Select(async host =>
            {
                var wanted = (units.GetValueOrDefault(host.Name) ?? [])
                    .Where(u => u.Component == OsBaseRenderer.ComponentId ? wantOsBase : components.Any(c => c.Id == u.Component)).ToList();
                if (wanted.Count == 0) return;
                var context = new ProbeContext(site, "units", [host], access, options, slots);
                IReadOnlyDictionary<string, UnitState>? states = null;
                var reached = false;
                var read = await context.TimedAsync(host.Name, "units", async ct =>
                {
                    var asked = wanted.Select(u => u.Unit).Distinct().ToList();
                    var result = await (await access(host, ct)).RunAsync(UnitStates.Command(asked), ct);
                    reached = true;
                    if (!result.Succeeded) return ProbeOutcome.Fail($"systemctl show failed (exit {result.ExitCode}): {Lines(string.IsNullOrWhiteSpace(result.Stderr) ? result.Stdout : result.Stderr)}");
                    states = UnitStates.Parse(result.Stdout, asked);
                    return ProbeOutcome.Ok("read");
                }, cancellation);
                if (states is null)
                {
                    // No session at all: every other probe of this host would only repeat that, so it is reported once.
                    if (!reached) unreachable[host.Name] = true;
                    checks.Add(reached ? read with { Component = "host" } : read with { Component = "host", Check = "reach" });
                    return;
                }
                foreach (var group in wanted.GroupBy(u => u.Component))
                {
                    var component = ComponentCatalog.Find(group.Key);
                    var present = group.Any(u => states.TryGetValue(u.Unit, out var s) && s.Exists);
                    installed[(host.Name, group.Key)] = present;
                    if (!present)
                    {
                        checks.Add(NotInstalled(site, component, group.Key, host, group.Select(u => u.Unit), read.Latency));
                        continue;
                    }
                    foreach (var unit in group)
                    {
                        var state = states.GetValueOrDefault(unit.Unit);
                        checks.Add(state is { Active: true }
                            ? HealthCheck.Healthy(group.Key, host.Name, $"unit {unit.Unit}", $"{state.ActiveState} ({state.SubState})", read.Latency)
                            : HealthCheck.Failed(group.Key, host.Name, $"unit {unit.Unit}",
                                state is { Exists: true } ? $"{state.ActiveState} ({state.SubState}). Fix: journalctl -u {unit.Unit} on {host.Name}, then datalyptica apply"
                                    : $"unit not found. Fix: datalyptica apply", read.Latency));
                    }
                }
            }));
        }

        bool Usable(Host host, string component) =>
            !unreachable.ContainsKey(host.Name) && installed.GetValueOrDefault((host.Name, component), true);

        // 2. Each component's own probe, on the hosts where it is installed.
        var probes = new List<Task<IReadOnlyList<HealthCheck>>>();
        foreach (var component in components)
        {
            if (component.Health is not { } probe) continue;
            var members = site.Hosts.Where(h => component.Roles.Any(h.Has)).ToList();
            // With --limit, a component that runs on none of its hosts has nothing to check.
            if (!members.Any(options.Includes)) continue;
            var usable = members.Where(h => Usable(h, component.Id) && options.Includes(h)).ToList();
            if (usable.Count == 0 && options.CheckUnits) continue;
            probes.Add(SafeProbe(probe, new ProbeContext(site, component.Id, usable, access, options, slots, clusterChecks: options.IncludesAll(members)), cancellation));
        }
        if (wantOsBase)
        {
            var usable = hosts.Where(h => Usable(h, OsBaseRenderer.ComponentId)).ToList();
            probes.Add(SafeProbe(new OsBaseHealth(), new ProbeContext(site, OsBaseRenderer.ComponentId, usable, access, options, slots), cancellation));
        }
        foreach (var result in await Task.WhenAll(probes))
            foreach (var check in result) checks.Add(check);
        foreach (var check in NotDeployedInLab(site, options)) checks.Add(check);

        var ordered = MarkStandIns(site, checks)
            .OrderBy(c => c.Component == OsBaseRenderer.ComponentId || c.Component == "host" ? "" : c.Component, StringComparer.Ordinal)
            .ThenBy(c => c.Host == HealthCheck.ClusterScope ? 1 : 0).ThenBy(c => c.Host, StringComparer.Ordinal)
            .ThenBy(c => c.Check, StringComparer.Ordinal).ToList();
        return new VerifyReport(site.Name, ordered, clock.Elapsed, Lab: site.IsLab);
    }

    /// <summary>
    /// Belt and braces: a stand-in is never reported healthy. For a component whose artifact in the site's store is a
    /// stand-in (<see cref="ArtifactCatalog.IsStandIn"/>), or whose probe was answered by one, every healthy check (its
    /// units too) becomes <see cref="HealthStatus.StandIn"/>, and so does a failed cluster check (quorum, leader): it
    /// judges answers stand-ins do not give. A failed check of one host (a unit down, no answer) stays failed.
    /// </summary>
    public static IEnumerable<HealthCheck> MarkStandIns(Site site, IEnumerable<HealthCheck> checks)
    {
        var all = checks.ToList();
        var catalog = ArtifactCatalog.FromSite(site);
        var answered = all.Where(c => c.Status == HealthStatus.StandIn).Select(c => c.Component).ToHashSet(StringComparer.Ordinal);
        var stored = all.Select(c => c.Component).Distinct(StringComparer.Ordinal).Where(catalog.IsStandIn).ToHashSet(StringComparer.Ordinal);
        foreach (var c in all)
        {
            if (!answered.Contains(c.Component) && !stored.Contains(c.Component)) yield return c;
            else if (c.Status == HealthStatus.Healthy)
                yield return c with
                {
                    Status = HealthStatus.StandIn,
                    Detail = $"{StandInSignature.Started}: {(stored.Contains(c.Component) ? $"the site's {c.Component} artifact is a stand-in" : "its probe was answered by a stand-in")}; {c.Detail}",
                };
            else if (c.Status == HealthStatus.Failed && c.Host == HealthCheck.ClusterScope && c.Check != "probe")
                yield return c with { Status = HealthStatus.StandIn, Detail = $"{StandInSignature.Started}: not judged, its members are stand-ins ({c.Detail})" };
            else yield return c;
        }
    }

    /// <summary>The catalog components the site deploys, narrowed by --component.</summary>
    public static IReadOnlyList<ComponentDefinition> ComponentsInScope(Site site, VerifyOptions options) =>
        site.Components.Where(c => options.Component is null || c.Id == options.Component).ToList();

    /// <summary>Components verify knows by id (the catalog's plus os-base), for --component's error message.</summary>
    public static IEnumerable<string> ComponentIds => ComponentCatalog.All.Select(c => c.Id).Append(OsBaseRenderer.ComponentId);

    private static async Task<IReadOnlyList<HealthCheck>> SafeProbe(IHealthProbe probe, ProbeContext context, CancellationToken cancellation)
    {
        try { return await probe.ProbeAsync(context, cancellation); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug in one probe must not hide the others' results.
            return [HealthCheck.Failed(context.ComponentId, HealthCheck.ClusterScope, "probe", context.Options.Masker.Mask(e.Message), TimeSpan.Zero)];
        }
    }

    /// <summary>
    /// A lab site carries only what installs from Debian's packages; the platform's other components are listed, never
    /// silently absent and never healthy, so a reader of the table sees what the lab does not prove.
    /// </summary>
    public static IEnumerable<HealthCheck> NotDeployedInLab(Site site, VerifyOptions options)
    {
        if (!site.IsLab || !options.IncludesAll(site.Hosts)) yield break;
        foreach (var component in ComponentCatalog.All)
        {
            if (options.Component is not null && options.Component != component.Id) continue;
            if (component.Roles.Any(r => site.Hosts.Any(h => h.Has(r)))) continue;
            yield return new HealthCheck(component.Id, HealthCheck.ClusterScope, "deployed", HealthStatus.NotDeployed,
                component.InstallOn(site) == InstallSource.Artifact
                    ? $"not deployed in lab: no package source ({component.DisplayName} {component.DefaultVersion} installs from a release artifact; Debian 12 has no package)"
                    : "not deployed in lab: the lab profile does not place it", TimeSpan.Zero);
        }
    }

    /// <summary>
    /// Not installed: a component that comes from a release artifact the site names no source for cannot be deployed here
    /// (NotDeployed, never healthy); anything else the site places on the host is Missing.
    /// </summary>
    public static HealthCheck NotInstalled(Site site, ComponentDefinition? component, string componentId, Host host, IEnumerable<string> units, TimeSpan latency)
    {
        if (component is not null && component.InstallOn(site) == InstallSource.Artifact && ArtifactCatalog.FromSite(site).Find(component.Id) is null)
            return new HealthCheck(componentId, host.Name, "installed", HealthStatus.NotDeployed,
                $"not deployed: no package source ({component.DisplayName} installs from a release artifact: none in the site's artifact store nor in {ArtifactCatalog.SiteKey}; datalyptica artifacts fetch SITE)", latency);
        return new HealthCheck(componentId, host.Name, "installed", HealthStatus.Missing,
            $"missing: no unit {string.Join(", ", units)} on {host.Name}. Fix: datalyptica apply {site.Directory ?? "SITE"}", latency);
    }

    /// <summary>
    /// Every running unit the engine manages, per host and component (masked units such as postgresql are left out), from
    /// the same desired state apply uses. A component that does not render (a site error) is skipped with its reason in
    /// <paramref name="problems"/>, so verify still checks everything else.
    /// </summary>
    public static IReadOnlyDictionary<string, List<(string Component, string Unit)>> UnitsByHost(Site site, List<(string Host, string Component, string Why)>? problems = null)
    {
        IReadOnlyList<HostFiles> rendered;
        try { rendered = SiteRenderer.Render(site); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            rendered = site.Hosts.Select(host => new HostFiles(host, host.Roles.Select(r => r.Component.Id).Distinct().Prepend(OsBaseRenderer.ComponentId)
                .SelectMany(component =>
                {
                    try { return SiteRenderer.Render(site, host.Name, component).SelectMany(f => f.Files); }
                    catch (Exception inner) when (inner is not OperationCanceledException)
                    {
                        problems?.Add((host.Name, component, (inner is AggregateException a ? a.InnerExceptions[0] : inner).Message));
                        return [];
                    }
                }).ToList())).ToList();
        }
        var desired = DesiredStateBuilder.Build(site, rendered, ArtifactCatalog.FromSite(site));
        var skip = problems?.Select(p => (p.Host, p.Component)).ToHashSet() ?? [];
        return desired.ToDictionary(d => d.Host, d => d.Resources.Select(r => r.Resource).OfType<SystemdServiceResource>()
            .Where(s => s.State == ServiceState.Running && !skip.Contains((d.Host, s.Component))).Select(s => (s.Component, s.Unit)).ToList(), StringComparer.Ordinal);
    }

    /// <summary>
    /// Every line of the failing command's message, the last ones when it is long: systemctl says why on its first line
    /// ("System has not been booted with systemd") and what failed on its last, and a login shell may print before both
    /// (a root .bashrc running `pyenv init` printed "rm: cannot remove .../shims/tmp.*" on a concurrent rehash).
    /// </summary>
    private static string Lines(string text)
    {
        var joined = string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return joined.Length <= 400 ? joined : "..." + joined[^400..];
    }
}

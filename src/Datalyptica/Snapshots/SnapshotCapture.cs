using System.Collections.Concurrent;
using System.Text;
using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;
using Datalyptica.Engine.Transport;
using Datalyptica.Model;

namespace Datalyptica.Snapshots;

/// <summary>How a capture reaches hosts.</summary>
public sealed record SnapshotOptions
{
    /// <summary>Prefix for every managed path ("" on real hosts; a temp folder in tests).</summary>
    public string Root { get; init; } = "";
    /// <summary>How many hosts are read at once.</summary>
    public int Parallelism { get; init; } = 32;
}

/// <summary>
/// Reads what a site manages from its hosts: every file the desired state declares (content, mode, owner) and every live
/// setting its components declare (<see cref="ComponentDefinition.LiveSettings"/>). Read-only on hosts. Secrets never
/// leave this class: a file's secrets become its placeholders again (<see cref="FileResource.MaskHostContent"/>), any
/// other known secret and every SCRAM verifier is masked.
/// </summary>
public static class SnapshotCapture
{
    public const string ManifestName = "MANIFEST";

    /// <param name="desired">The hosts to read (a --limit's); the site's other hosts keep their last snapshot.</param>
    public static async Task<Snapshot> CaptureAsync(PreparedSite prepared, IReadOnlyList<HostDesiredState> desired,
        Func<string, IHostTransport> transports, SnapshotOptions options, CancellationToken cancellation)
    {
        var context = new PlanContext { Root = options.Root, ResolveSecret = n => prepared.Secrets.GetValueOrDefault(n), Masker = prepared.Masker() };
        var files = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var replaced = new ConcurrentBag<string>();
        var problems = new ConcurrentBag<SnapshotProblem>();
        var reached = new ConcurrentDictionary<string, IHostTransport>(StringComparer.Ordinal);
        using var gate = new SemaphoreSlim(Math.Max(1, options.Parallelism));

        await Task.WhenAll(desired.Select(async host =>
        {
            await gate.WaitAsync(cancellation);
            try
            {
                var transport = await Task.Run(() => transports(host.Host), cancellation);
                foreach (var (path, text) in await ReadHostAsync(host, transport, context, cancellation)) files[path] = text;
                replaced.Add($"{Snapshot.HostsFolder}{host.Host}/");
                reached[host.Host] = transport;
            }
            catch (Exception e) when (e is TransportException or FactGatheringException)
            {
                problems.Add(new SnapshotProblem(host.Host, $"not reached, its files stay as the last snapshot has them: {context.Masker!.Mask(e.Message)}", HostMissed: true));
            }
            finally { gate.Release(); }
        }));

        var site = prepared.Site;
        var deployed = ComponentCatalog.All.Where(site.Deploys).ToList();
        var live = 0;
        foreach (var component in deployed)
            foreach (var setting in component.LiveSettings)
            {
                var members = site.Hosts.Where(h => h.Has(setting.Role) && reached.ContainsKey(h.Name)).ToList();
                var asked = setting.Scope == LiveScope.AnyMember ? [members] : members.Select(m => new List<Host> { m }).ToList();
                foreach (var group in asked.Where(g => g.Count > 0))
                {
                    var path = setting.Scope == LiveScope.AnyMember
                        ? $"{Snapshot.LiveFolder}{component.Id}/{setting.Name}.{setting.Extension}"
                        : $"{Snapshot.LiveFolder}{component.Id}/{setting.Name}/{group[0].Name}.{setting.Extension}";
                    var (text, failures) = await ReadLiveAsync(site, setting, group, reached, context, cancellation);
                    if (text is null)
                    {
                        problems.Add(new SnapshotProblem($"{component.Id} {setting.Name}",
                            $"not read ({string.Join("; ", failures)}); the last snapshot's copy stays", HostMissed: false));
                        continue;
                    }
                    files[path] = text;
                    replaced.Add(path);
                    live++;
                }
            }

        return new Snapshot(files, replaced.Order(StringComparer.Ordinal).ToList(),
            site.Hosts.Select(h => h.Name).ToHashSet(StringComparer.Ordinal),
            deployed.Select(c => c.Id).ToHashSet(StringComparer.Ordinal))
        {
            Problems = problems.OrderBy(p => p.Where, StringComparer.Ordinal).ToList(),
            HostsCaptured = reached.Count,
            LiveCaptured = live,
        };
    }

    /// <summary>The host's managed files (masked) and a manifest line for each: mode, owner:group and path, or absent.</summary>
    private static async Task<IReadOnlyList<(string Path, string Text)>> ReadHostAsync(HostDesiredState desired, IHostTransport transport,
        PlanContext context, CancellationToken cancellation)
    {
        var managed = desired.Resources.Select(r => r.Resource).OfType<FileResource>()
            .DistinctBy(f => f.Path).OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        var query = new FactQuery();
        foreach (var file in managed) file.Require(query);
        var facts = await Planner.GatherAsync(transport, query, context.Root, cancellation);
        var present = managed.Where(f => facts.File(f.Path) is { Exists: true, NotARegularFile: false }).Select(f => f.Path).ToList();
        var contents = present.Count == 0 ? new Dictionary<string, string>()
            : FactParser.Parse((await transport.RunAsync(FactScript.FileContents(present, context.Root), cancellation)).Stdout).FileContents;

        var result = new List<(string, string)>();
        var manifest = new StringBuilder();
        foreach (var file in managed)
        {
            var fact = facts.File(file.Path);
            if (fact.NotARegularFile) { manifest.Append("not-a-regular-file ").Append(file.Path).Append('\n'); continue; }
            if (!fact.Exists || !contents.TryGetValue(file.Path, out var content)) { manifest.Append("absent ").Append(file.Path).Append('\n'); continue; }
            manifest.Append(fact.Mode).Append(' ').Append(fact.Owner).Append(':').Append(fact.Group).Append(' ').Append(file.Path).Append('\n');
            result.Add(($"{Snapshot.HostsFolder}{desired.Host}{file.Path}", file.MaskHostContent(content, context)));
        }
        result.Add(($"{Snapshot.HostsFolder}{desired.Host}/{ManifestName}", manifest.ToString()));
        return result;
    }

    /// <summary>The setting's text from the first of <paramref name="members"/> that answers, settled and masked; null and why each failed otherwise.</summary>
    private static async Task<(string? Text, List<string> Failures)> ReadLiveAsync(Site site, LiveSetting setting, IReadOnlyList<Host> members,
        IReadOnlyDictionary<string, IHostTransport> reached, PlanContext context, CancellationToken cancellation)
    {
        var failures = new List<string>();
        foreach (var member in members)
        {
            try
            {
                var result = await reached[member.Name].RunAsync(RemoteCommand.Shell(setting.Command(site, member)), cancellation);
                if (result.Succeeded && result.Stdout.Length > 0)
                    return (ScramVerifier.Mask(context.Masker!.Mask(setting.Settled(result.Stdout))), failures);
                var said = context.Masker!.Mask(result.Stderr.Length > 0 ? result.Stderr : result.Stdout);
                failures.Add($"{member.Name}: exit {result.ExitCode}: {(string.IsNullOrWhiteSpace(said) ? "(no output)" : Contracts.Health.ProbeKit.Tail(said, 300))}");
            }
            catch (TransportException e) { failures.Add($"{member.Name}: {context.Masker!.Mask(e.Message)}"); }
        }
        return (null, failures);
    }
}

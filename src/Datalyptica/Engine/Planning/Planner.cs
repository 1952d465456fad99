using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Resources;
using Datalyptica.Secrets;

namespace Datalyptica.Engine.Planning;

/// <summary>Options shared by plan and apply.</summary>
public sealed record PlanOptions
{
    /// <summary>Prefix for managed paths ("" on real hosts).</summary>
    public string Root { get; init; } = "";
    public Func<string, Secret?> ResolveSecret { get; init; } = _ => null;
    /// <summary>How many hosts gather facts at once.</summary>
    public int Parallelism { get; init; } = 32;
    /// <summary>Fetch the current content of files that will change, for the diff (one more round trip for those hosts).</summary>
    public bool FetchDiffs { get; init; } = true;
}

/// <summary>
/// Facts in, plan out. <see cref="PlanHost"/> is pure; <see cref="PlanAsync"/> gathers facts (one script per host,
/// plus one for diffs when files differ) and changes nothing on any host.
/// </summary>
public static class Planner
{
    public static FactQuery QueryFor(HostDesiredState desired)
    {
        var query = new FactQuery();
        foreach (var item in desired.Resources) item.Resource.Require(query);
        return query.Ownership();
    }

    public static HostPlan PlanHost(HostDesiredState desired, HostFacts facts, PlanOptions options, SecretMasker? masker = null)
    {
        var context = new PlanContext { Root = options.Root, ResolveSecret = options.ResolveSecret, Masker = masker };
        var changes = new List<Change>();
        var unchanged = 0;
        foreach (var item in desired.Resources)
        {
            var (layer, resource) = item;
            var result = resource.Plan(facts, context);
            if (result.IsNoop) { unchanged++; continue; }
            foreach (var change in result.Changes)
            {
                changes.Add(change with
                {
                    Host = desired.Host, Layer = layer, ResourceId = resource.Id,
                    OpensBarrier = item.OpensBarrier, AwaitsBarriers = item.AwaitsBarriers.Count > 0 ? item.AwaitsBarriers : null,
                });
                // Later resources (services, triggered commands) see what changed before them.
                if (change.Action is ChangeAction.Create or ChangeAction.Update or ChangeAction.Delete) context.Changed.Add(resource.Id);
            }
        }
        // What the host's records list and the site no longer wants there goes first in its layer (stopped before the
        // layer's services start, deleted before its files are written), in layer order like everything else.
        var records = Ownership.Read(facts.Owned);
        var deletions = Ownership.Deletions(desired, records, facts, context);
        if (deletions.Count > 0)
            changes = deletions.Concat(changes).OrderBy(c => c.Layer).ToList(); // stable: deletions stay first in their layer
        return new HostPlan(desired.Host, changes)
        {
            Unchanged = unchanged,
            Warnings = [.. facts.Unparsed.Select(line => $"unreadable fact line: {line}"), .. records.Refused],
            Os = facts.Os == OsRelease.Unknown ? null : facts.Os.PrettyName,
            Container = facts.Container.IsContainer ? facts.Container.Kind : null,
        };
    }

    /// <summary>Plans every host from facts already gathered (synthetic facts for planning without hosts, benchmarks).</summary>
    public static Plan Build(string site, IReadOnlyList<HostDesiredState> desired, Func<string, HostFacts> facts, PlanOptions options) =>
        new(site, desired.AsParallel().AsOrdered().Select(d => PlanHost(d, facts(d.Host), options)).ToList()) { Root = options.Root };

    /// <summary>Gathers facts from every host through its transport and plans. Read-only on hosts.</summary>
    public static async Task<Plan> PlanAsync(string site, IReadOnlyList<HostDesiredState> desired,
        Func<string, IHostTransport> transportFor, PlanOptions options, SecretMasker? masker, CancellationToken cancellation)
    {
        using var gate = new SemaphoreSlim(Math.Max(1, options.Parallelism));
        var tasks = desired.Select(async d =>
        {
            await gate.WaitAsync(cancellation);
            // Connecting blocks (SSH handshake); on the pool, hosts connect at once instead of one after another.
            try { return await PlanOneAsync(d, await Task.Run(() => transportFor(d.Host), cancellation), options, masker, cancellation); }
            finally { gate.Release(); }
        });
        return new Plan(site, await Task.WhenAll(tasks)) { Root = options.Root };
    }

    private static async Task<HostPlan> PlanOneAsync(HostDesiredState desired, IHostTransport transport, PlanOptions options,
        SecretMasker? masker, CancellationToken cancellation)
    {
        EngineTrace.Mark($"{desired.Host}: transport ready, gathering facts");
        var facts = await GatherAsync(transport, QueryFor(desired), options.Root, cancellation);
        if (Ownership.MissingFacts(desired, facts) is { } orphans)
            facts = facts.With(await GatherAsync(transport, orphans, options.Root, cancellation));
        EngineTrace.Mark($"{desired.Host}: facts gathered");
        var plan = PlanHost(desired, facts, options, masker);
        if (!options.FetchDiffs) return plan;
        var differing = plan.Changes.Where(c => c.Action == ChangeAction.Update && c.Diff is not null && c.ResourceId.StartsWith("file:", StringComparison.Ordinal))
            .Select(c => c.ResourceId["file:".Length..]).ToList();
        if (differing.Count == 0) return plan;
        var result = await transport.RunAsync(FactScript.FileContents(differing, options.Root), cancellation);
        var contents = FactParser.Parse(result.Stdout).FileContents;
        return PlanHost(desired, facts with { FileContents = contents }, options, masker);
    }

    public static async Task<HostFacts> GatherAsync(IHostTransport transport, FactQuery query, string root, CancellationToken cancellation)
    {
        var result = await transport.RunAsync(FactScript.Build(query, root), cancellation);
        if (!result.Succeeded && !result.Stdout.Contains("\nend\n") && !result.Stdout.StartsWith("end\n"))
            throw new FactGatheringException(transport.HostName, result.ExitCode, result.Stderr);
        return FactParser.Parse(result.Stdout);
    }
}

/// <summary>The fact script did not finish on a host (shell missing, connection dropped).</summary>
public sealed class FactGatheringException(string host, int exitCode, string stderr)
    : Exception($"{host}: gathering facts failed (exit {exitCode}): {Trim(stderr)}. Fix: check that the host runs a POSIX shell with coreutils and that the connection user may read the managed paths.")
{
    public string Host { get; } = host;
    private static string Trim(string s) => s.Length > 400 ? s[..400] + "…" : s.Trim();
}

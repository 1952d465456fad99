using System.Diagnostics;
using Datalyptica.Components;
using Datalyptica.Components.PostgreSQL;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Drilling;
using Datalyptica.Secrets;

namespace Datalyptica.Drills;

/// <summary>
/// `datalyptica drill SITE NAME`: failover drills under a steady stream of writes from a client that only knows the VIP
/// (or, for Redis, only the Sentinels). Each component declares its drills (<see cref="ComponentDefinition.Drills"/>,
/// built from <see cref="DrillSteps"/>); this harness runs them. Each drill checks the cluster is whole first, injects one
/// fault, measures the time to the first acknowledged write after it, counts acknowledged writes against what is present,
/// and leaves the cluster whole again (or fails saying what is not).
/// </summary>
public static class DrillRunner
{
    /// <summary>Every component's drills, in the order `all` runs them.</summary>
    public static IReadOnlyList<IDrill> Declared => ComponentCatalog.Combined<IReadOnlyList<IDrill>>("drills", all =>
        all.SelectMany(c => c.Drills).OrderBy(d => d.Order).ToList());
    public static IReadOnlyList<string> Names => Declared.Select(d => d.Name).ToList();
    public const string All = "all";

    /// <summary>Runs one drill (or "all", each after a health check) against the site in <paramref name="siteDirectory"/>.</summary>
    public static Task<IReadOnlyList<DrillResult>> RunAsync(string siteDirectory, string drill, Action<string> log, CancellationToken cancellation, Secret? vaultPassword = null)
    {
        RefuseUnknown(drill); // before the site is opened: a typo costs no SSH session
        return RunAsync(SiteDrillContext.Open(siteDirectory, log, vaultPassword), drill, cancellation);
    }

    /// <summary>Runs one drill (or "all") on a context already opened, as the CLI does after refusing an invalid site.</summary>
    public static async Task<IReadOnlyList<DrillResult>> RunAsync(DrillContext context, string drill, CancellationToken cancellation)
    {
        RefuseUnknown(drill);
        var log = context.Log;
        await UndoLeftoversAsync(context, cancellation);
        var results = new List<DrillResult>();
        foreach (var name in drill == All ? Names : [drill])
        {
            if (drill == All)
            {
                log($"health check before {name} (verify)");
                await context.WaitHealthyAsync(TimeSpan.FromMinutes(3), cancellation);
            }
            results.Add(await RunOneAsync(context, name, cancellation));
        }
        return results;
    }

    /// <summary>A drill stopped half-way (Ctrl-C, a crash of this process) may have left a network cut or a lab host down: undone first.</summary>
    private static async Task UndoLeftoversAsync(DrillContext context, CancellationToken cancellation)
    {
        if (await context.HealLabNetworkAsync(cancellation))
            context.Log("a network cut was still in place (an earlier drill stopped half-way?): healed it");
        foreach (var host in await context.BootStoppedLabHostsAsync(cancellation))
            context.Log($"lab host {host} was down (an earlier drill stopped half-way?): booted it again");
    }

    private static void RefuseUnknown(string drill)
    {
        if (drill != All && !Names.Contains(drill))
            throw new DrillException($"no drill '{drill}'. Known: {string.Join(", ", Names)}, or {All}.");
    }

    public static async Task<DrillResult> RunOneAsync(DrillContext context, string name, CancellationToken cancellation)
    {
        var declared = Declared.FirstOrDefault(d => d.Name == name);
        var recorder = new DrillRecorder(name, declared?.Writes ?? false);
        context.Log($"drill {name}: start");
        try
        {
            if (declared is null) throw new DrillException($"no drill '{name}'");
            await declared.RunAsync(context, recorder, cancellation);
        }
        catch (Exception e) when (!cancellation.IsCancellationRequested)
        {
            recorder.Fail(context.Masker.Mask(e is DrillException ? e.Message : $"{e.GetType().Name}: {e.Message}"));
        }
        finally
        {
            // Whatever happened, no network cut stays and a crashed host does not stay down.
            try
            {
                if (await context.HealLabNetworkAsync(CancellationToken.None))
                    recorder.Fail("a network cut was still in place after the drill: healed it");
                foreach (var host in await context.BootStoppedLabHostsAsync(CancellationToken.None))
                    recorder.Fail($"lab host {host} was still down after the drill: booted it again; check `datalyptica verify {context.Directory}`");
            }
            catch (Exception e) { recorder.Fail($"could not boot the crashed lab host again: {context.Masker.Mask(e.Message)}. Fix: datalyptica lab status, then lab up"); }
        }
        var result = recorder.Result();
        context.Log($"drill {name}: {(result.Passed ? "passed" : $"FAILED ({string.Join("; ", result.Problems)})")} in {result.WallTime.TotalSeconds:0} s");
        return result;
    }

    /// <summary>
    /// A soak: for <paramref name="duration"/>, one drill after another picked at random from <paramref name="drill"/>
    /// (all, or one name), each after a health check and <paramref name="pause"/> apart, while a writer outside the drills
    /// writes through the VIP the whole time. Its account must lose nothing across every fault. <paramref name="seed"/>
    /// makes the order repeatable.
    /// </summary>
    public static async Task<SoakResult> SoakAsync(DrillContext context, string drill, TimeSpan duration, TimeSpan pause, int seed, CancellationToken cancellation)
    {
        RefuseUnknown(drill);
        var names = drill == All ? Names : [drill];
        var log = context.Log;
        await UndoLeftoversAsync(context, cancellation);
        await context.WaitHealthyAsync(TimeSpan.FromMinutes(3), cancellation);
        var (writer, ledger, running, stop) = await PostgresWriteLoad.StartAsync(context, cancellation);
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        var results = new List<DrillResult>();
        try
        {
            while (clock.Elapsed < duration)
            {
                var name = names[random.Next(names.Count)];
                log($"soak {clock.Elapsed:hh\\:mm\\:ss} of {duration:hh\\:mm\\:ss}: {name} (fault {results.Count + 1}); continuous writes so far: {ledger.AcknowledgedKeys.Count} acknowledged");
                try { await context.WaitHealthyAsync(TimeSpan.FromMinutes(5), cancellation); }
                catch (DrillException e) { log($"not healthy before {name}: {e.Message}; running it anyway, its own checks decide"); }
                results.Add(await RunOneAsync(context, name, cancellation));
                if (clock.Elapsed < duration) await Task.Delay(pause, cancellation);
            }
        }
        finally { await DrillSteps.StopWritesAsync(stop, running); }
        // The rows are read back through the VIP: a soak whose last fault left the cluster broken still gets its summary,
        // with the reading's failure as the account's verdict (every acknowledged write then counts as not shown present).
        IReadOnlyCollection<long> present = [];
        try
        {
            await context.WaitUntilAsync("the continuous writer's rows readable through the VIP", async ct =>
            {
                present = await writer.PresentKeysAsync(ct);
                return null;
            }, TimeSpan.FromMinutes(2), cancellation, TimeSpan.FromSeconds(5));
        }
        catch (DrillException e) { log($"could not read the continuous writer's rows back: {e.Message}"); }
        var account = WriteAccount.From(ledger, present);
        if (account.Lost == 0) await writer.DeleteRunAsync(cancellation); // kept when rows were lost, as evidence
        var gap = ledger.LongestGap(TimeSpan.Zero, ledger.Now);
        log($"soak done after {clock.Elapsed:hh\\:mm\\:ss}: {results.Count} fault(s), {results.Count(r => r.Passed)} passed; continuous writes: {account}; longest gap {gap.TotalSeconds:0.00} s");
        return new SoakResult(results, account, gap, seed, clock.Elapsed);
    }
}

/// <summary>What a soak did: every drill's result, the continuous writer's account and its longest gap, the seed of its order.</summary>
public sealed record SoakResult(IReadOnlyList<DrillResult> Drills, WriteAccount Writes, TimeSpan LongestGap, int Seed, TimeSpan Elapsed)
{
    public bool Passed => Drills.All(d => d.Passed) && Writes.Lost == 0 && Writes.Acknowledged > 0;
}

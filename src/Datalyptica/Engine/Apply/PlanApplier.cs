using System.Text;
using System.Text.Json;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;
using Datalyptica.Engine.Transport;
using Datalyptica.Secrets;

namespace Datalyptica.Engine.Apply;

public sealed record ApplyOptions
{
    /// <summary>Only this layer (--layer).</summary>
    public Layer? OnlyLayer { get; init; }
    /// <summary>Only these hosts (--limit); null for all.</summary>
    public IReadOnlySet<string>? Limit { get; init; }
    /// <summary>Hosts worked on at once inside a layer.</summary>
    public int Parallelism { get; init; } = 10;
    /// <summary>Resolves vault variables for file content at upload time.</summary>
    public Func<string, Secret?> ResolveSecret { get; init; } = _ => null;
    public SecretMasker Masker { get; init; } = new();
    /// <summary>The site's .datalyptica/journal folder.</summary>
    public required string JournalDirectory { get; init; }
    public required ArtifactStore Artifacts { get; init; }
    /// <summary>Who runs the apply, for the journal and each host's audit log.</summary>
    public string Who { get; init; } = $"{Environment.UserName}@{Environment.MachineName}";
    /// <summary>
    /// A lab site: a release-faithful stand-in archive (docs/STAND-INS.md) may be uploaded. Anywhere else apply refuses
    /// one before any host is touched, wherever it came from (the store's markers and DL506 cover the store; an archive
    /// named in datalyptica_artifacts is caught here, after its checksum, by its contents).
    /// </summary>
    public bool AllowStandIns { get; init; }
    /// <summary>Told when each layer starts and of every journal entry: the CLI's live progress. Null: nobody watches.</summary>
    public IApplyProgress? Progress { get; init; }
}

public enum ApplyStatus { Completed, Failed, Interrupted, Refused }

/// <summary>Someone watching an apply as it runs (the CLI's progress display); called from many hosts' tasks at once.</summary>
public interface IApplyProgress
{
    /// <summary>A layer starts: how many changes each of its hosts has.</summary>
    void LayerStarted(Layer layer, IReadOnlyDictionary<string, int> changesPerHost);

    /// <summary>Every journal entry, as written: change started, done or failed, layer done, run ended.</summary>
    void Record(JournalEntry entry);
}

/// <summary>Where a host failed: host, resource, the command as displayed (secrets masked), exit code and masked stderr.</summary>
public sealed record StepFailure(string Host, Layer Layer, string ResourceId, string Command, int ExitCode, string Stderr)
{
    /// <summary>What a failure with no command stands for: the host could not be reached, or refused us.</summary>
    public const string Connect = "connect";

    /// <summary>The host could not be connected to (unreachable, a refused key or login): no step of the layer ran there.</summary>
    public static StepFailure Unreached(string host, Layer layer, string why) => new(host, layer, Connect, "", -1, why);

    public override string ToString() => Command.Length == 0
        ? $"{Host}: could not connect in layer {Layer.Name()}, nothing ran there: {Stderr.Trim()}"
        : $"{Host}: {ResourceId} failed in layer {Layer.Name()}: `{Command}` exited {ExitCode}{(Stderr.Length == 0 ? "" : $": {Stderr.Trim()}")}";
}

public sealed record ApplyResult(string RunId, ApplyStatus Status, int Applied, IReadOnlyList<StepFailure> Failures, string JournalPath)
{
    public Layer? StoppedAt { get; init; }
    public string? Message { get; init; }
}

/// <summary>
/// Applies a plan and nothing else (Terraform's contract): layer by layer in the seed's order, hosts in parallel inside a
/// layer up to a limit. A failing host stops after its layer (other hosts of the layer finish what they started) and
/// no later layer runs. Every change is journalled on the control node before and after it runs, and each host gets an
/// audit line. Every step is idempotent, so after an interruption a new plan + apply resumes where this one stopped.
/// </summary>
public static class PlanApplier
{
    public static async Task<ApplyResult> ApplyAsync(Plan plan, Func<string, IHostTransport> transportFor, ApplyOptions options, CancellationToken cancellation)
    {
        var runId = ApplyJournal.NewRunId();
        using var journal = new ApplyJournal(options.JournalDirectory, runId);
        if (options.Progress is { } progress) journal.Observer = progress.Record;
        var fingerprint = PlanJson.Fingerprint(plan);
        journal.Write(ApplyJournal.RunStarted, e => e with
        {
            Message = $"who={options.Who} site={plan.Site} plan={fingerprint} pending={plan.PendingCount}" +
                      $"{(options.OnlyLayer is { } l ? " layer=" + l.Name() : "")}{(options.Limit is { } h ? " limit=" + string.Join(',', h) : "")}",
        });

        var selected = plan.Hosts
            .Where(h => options.Limit is null || options.Limit.Contains(h.Host))
            .SelectMany(h => h.Changes)
            .Where(c => options.OnlyLayer is null || c.Layer == options.OnlyLayer)
            .Where(c => c.Action != ChangeAction.NotApplicable)
            .ToList();

        // Preflight, before any host is touched: every artifact downloaded once and its SHA-512 verified.
        var localArtifacts = new Dictionary<(string Url, string Sha), string>();
        try
        {
            foreach (var step in selected.Where(c => c.Action != ChangeAction.Unavailable).SelectMany(c => c.Steps)
                         .Where(s => s.Kind == StepKind.UploadArtifact).DistinctBy(s => (s.Url, s.Sha512)))
            {
                var local = await options.Artifacts.FetchAsync(step.Url!, step.Sha512!, cancellation);
                if (!options.AllowStandIns && Artifacts.StandInArchive.Contains(local))
                    throw new IOException($"artifact {step.Url}: it is a release-faithful stand-in (it holds {Contracts.Health.StandInSignature.ArchiveEntry}), " +
                                          "which only a lab site may install; nothing was changed on any host. Fix: pin the real release (datalyptica artifacts fetch SITE, or its url and sha512).");
                localArtifacts[(step.Url!, step.Sha512!)] = local;
            }
        }
        catch (Exception ex) when (ex is ArtifactChecksumException or IOException or HttpRequestException)
        {
            var message = options.Masker.Mask(ex.Message);
            journal.Write(ApplyJournal.RunFailed, e => e with { Message = message });
            return new ApplyResult(runId, ApplyStatus.Refused, 0, [], journal.Path) { Message = message };
        }
        catch (OperationCanceledException)
        {
            journal.Write(ApplyJournal.RunInterrupted, e => e with { Message = "interrupted while fetching artifacts; no host was touched" });
            return new ApplyResult(runId, ApplyStatus.Interrupted, 0, [], journal.Path) { Message = "interrupted before any host was touched" };
        }

        var applied = 0;
        foreach (var layer in Layers.InOrder)
        {
            var inLayer = selected.Where(c => c.Layer == layer).ToList();
            if (inLayer.Count == 0) continue;

            // A layer with something that cannot be planned (artifact without a source) is not started at all.
            var unavailable = inLayer.Where(c => c.Action == ChangeAction.Unavailable).ToList();
            if (unavailable.Count > 0)
            {
                var message = $"layer {layer.Name()} not started: " + string.Join("; ", unavailable.Select(c => $"{c.Host}: {c.ResourceId}: {c.Reason}"));
                journal.Write(ApplyJournal.RunFailed, e => e with { Layer = layer.Name(), Message = message });
                return new ApplyResult(runId, ApplyStatus.Refused, applied, [], journal.Path) { StoppedAt = layer, Message = message };
            }

            options.Progress?.LayerStarted(layer, inLayer.GroupBy(c => c.Host).ToDictionary(g => g.Key, g => g.Count()));
            var failures = new List<StepFailure>();
            using var gate = new SemaphoreSlim(Math.Max(1, options.Parallelism));
            var rolling = new RollingGroups(inLayer, gate);
            var barriers = new Barriers(plan.Hosts.SelectMany(h => h.Changes).Where(c => c.Layer == layer && c.Action != ChangeAction.NotApplicable), inLayer, gate);
            try
            {
                var counts = await Task.WhenAll(inLayer.GroupBy(c => c.Host).Select(async host =>
                {
                    await gate.WaitAsync(cancellation);
                    try
                    {
                        IHostTransport transport;
                        // Connecting blocks (SSH handshake); on the pool, hosts connect at once instead of one after another.
                        try { transport = await Task.Run(() => transportFor(host.Key), cancellation); }
                        catch (TransportException ex)
                        {
                            // A host that cannot be reached fails the layer like a failed step (Terraform: an error while
                            // applying fails the apply): the other hosts finish the layer, no later layer starts.
                            var unreached = StepFailure.Unreached(host.Key, layer, options.Masker.Mask(ex.Message));
                            journal.Write(ApplyJournal.ChangeFailed, e => e with { Host = host.Key, Layer = layer.Name(), Resource = unreached.ResourceId, ExitCode = -1, Stderr = unreached.Stderr });
                            lock (failures) failures.Add(unreached);
                            return 0;
                        }
                        return await ApplyHostLayerAsync(host.Key, layer, host.ToList(), transport, plan.Root, localArtifacts, options, journal, runId, fingerprint, failures, rolling, barriers, cancellation);
                    }
                    finally { gate.Release(); }
                }));
                applied += counts.Sum();
            }
            catch (OperationCanceledException)
            {
                journal.Write(ApplyJournal.RunInterrupted, e => e with { Layer = layer.Name(), Message = "interrupted; run plan and apply again to resume (every step is idempotent)" });
                return new ApplyResult(runId, ApplyStatus.Interrupted, applied, failures, journal.Path) { StoppedAt = layer, Message = "interrupted" };
            }

            journal.Write(ApplyJournal.LayerDone, e => e with { Layer = layer.Name(), Message = failures.Count == 0 ? "ok" : $"{failures.Count} host(s) failed" });
            if (failures.Count > 0)
            {
                journal.Write(ApplyJournal.RunFailed, e => e with { Layer = layer.Name(), Message = string.Join("; ", failures) });
                return new ApplyResult(runId, ApplyStatus.Failed, applied, failures, journal.Path)
                    { StoppedAt = layer, Message = $"layer {layer.Name()} failed on {string.Join(", ", failures.Select(f => f.Host))}; later layers were not started" };
            }
        }
        journal.Write(ApplyJournal.RunCompleted, e => e with { Message = $"{applied} change(s) applied" });
        return new ApplyResult(runId, ApplyStatus.Completed, applied, [], journal.Path);
    }

    private static async Task<int> ApplyHostLayerAsync(string host, Layer layer, List<Change> changes, IHostTransport transport, string root,
        IReadOnlyDictionary<(string, string), string> artifacts, ApplyOptions options, ApplyJournal journal, string runId, string fingerprint,
        List<StepFailure> failures, RollingGroups rolling, Barriers barriers, CancellationToken cancellation)
    {
        var done = new List<Change>();
        StepFailure? failure = null;
        try
        {
            foreach (var change in changes)
            {
                // A service on a member that is not the one running its component's once-per-cluster step starts only
                // after that step succeeded there.
                if (change.AwaitsBarriers is { Count: > 0 } awaited && await barriers.WaitAsync(awaited, cancellation) is { } refused)
                {
                    failure = new StepFailure(host, layer, change.ResourceId, "(not run)", -1, refused);
                    journal.Write(ApplyJournal.ChangeFailed, e => e with { Host = host, Layer = layer.Name(), Resource = change.ResourceId, Command = failure.Command, ExitCode = -1, Stderr = failure.Stderr });
                    lock (failures) failures.Add(failure);
                    return done.Count;
                }
                // A rolling restart waits for the group's previous member to be back, and never starts after one failed;
                // a member that answers its leader check waits until every other member of the group has had its turn.
                var leads = change.RollingGroup is not null && change.RollingLeaderCheck is { } leaderCheck
                    && await LeadsAsync(transport, leaderCheck, cancellation);
                using var turn = change.RollingGroup is { } group ? await rolling.TakeTurnAsync(group, host, leads, cancellation) : null;
                if (turn is { PreviousFailed: true })
                {
                    failure = new StepFailure(host, layer, change.ResourceId, "(not run)", -1,
                        $"not restarted: another {change.RollingGroup} member did not come back healthy, and restarting this one too could " +
                        "take the quorum down. Fix that member, then apply again.");
                    journal.Write(ApplyJournal.ChangeFailed, e => e with { Host = host, Layer = layer.Name(), Resource = change.ResourceId, Command = failure.Command, ExitCode = -1, Stderr = failure.Stderr });
                    lock (failures) failures.Add(failure);
                    return done.Count;
                }
                turn?.Started();
                journal.Write(ApplyJournal.ChangeStarted, e => e with { Host = host, Layer = layer.Name(), Resource = change.ResourceId, Action = change.Action.Glyph(),
                    Message = leads ? $"leads its {change.RollingGroup} group: restarted after the other members" : null });
                foreach (var step in change.Steps)
                {
                    int exit;
                    string stderr;
                    // A connection lost or a command timed out mid-step is that step's failure: it is journalled, and the
                    // host's layer stops as for a non-zero exit.
                    try { (exit, stderr) = await RunStepAsync(step, transport, artifacts, options, cancellation); }
                    catch (TransportException e) { (exit, stderr) = (-1, e.Message); }
                    if (exit == 0) continue;
                    failure = new StepFailure(host, layer, change.ResourceId, options.Masker.Mask(step.Display), exit, options.Masker.Mask(stderr));
                    journal.Write(ApplyJournal.ChangeFailed, e => e with
                    {
                        Host = host, Layer = layer.Name(), Resource = change.ResourceId, Command = failure.Command, ExitCode = exit, Stderr = failure.Stderr,
                    });
                    lock (failures) failures.Add(failure);
                    return done.Count;
                }
                turn?.Completed();
                if (change.OpensBarrier is { } opened) barriers.Open(opened);
                done.Add(change);
                journal.Write(ApplyJournal.ChangeDone, e => e with { Host = host, Layer = layer.Name(), Resource = change.ResourceId, Action = change.Action.Glyph() });
            }
            return done.Count;
        }
        finally
        {
            // A host that stops before its rolling turns (a failure, or nothing left) no longer holds up a leader.
            rolling.Leave(host);
            // A once-per-cluster step this host did not get to (it failed or stopped before) refuses its waiters.
            barriers.Leave(host);
            if (done.Count > 0 || failure is not null)
                await WriteAuditAsync(transport, root, options.Who, runId, fingerprint, layer, done, failure);
        }
    }

    private static async Task<(int Exit, string Stderr)> RunStepAsync(PlanStep step, IHostTransport transport,
        IReadOnlyDictionary<(string, string), string> artifacts, ApplyOptions options, CancellationToken cancellation)
    {
        switch (step.Kind)
        {
            case StepKind.Run:
                var result = await transport.RunAsync(RemoteCommand.Shell(step.Text!), cancellation);
                return (result.ExitCode, result.Stderr);
            case StepKind.Upload:
                string? missing = null;
                var content = SecretPlaceholder.Resolve(step.Text!, name =>
                {
                    var secret = options.ResolveSecret(name);
                    if (secret is null) { missing = name; return ""; }
                    options.Masker.Add(secret);
                    return secret.Reveal();
                });
                if (missing is not null)
                    return (-1, $"secret {missing} is not in the vault. Fix: add it (datalyptica secrets encrypt --name {missing}) or pass the vault password.");
                // One command, content on stdin: owner and mode are set before the content exists, links are never followed.
                var write = await transport.RunAsync(SafeFileWrite.Command(step.Target, step.Owner ?? "root", step.Group ?? "root", step.Mode ?? "0600"), cancellation, content);
                return (write.ExitCode, write.Stderr);
            case StepKind.Await:
                return await AwaitJudgedAsync(step, transport, cancellation);
            case StepKind.UploadArtifact:
                var local = artifacts[(step.Url!, step.Sha512!)];
                await transport.UploadAsync(await File.ReadAllBytesAsync(local, cancellation), step.Target, cancellation);
                return (0, "");
            default:
                throw new InvalidOperationException($"unknown step kind {step.Kind}");
        }
    }

    /// <summary>Every component's output judges by id: a saved plan names the judge, this version of the catalog supplies it.</summary>
    private static IReadOnlyDictionary<string, Contracts.OutputJudge> Judges => Components.ComponentCatalog.Combined<IReadOnlyDictionary<string, Contracts.OutputJudge>>(
        "output-judges", all => all.SelectMany(c => c.OutputJudges).ToDictionary(j => j.Id, StringComparer.Ordinal));

    /// <summary>
    /// Runs the probe every second until the judge accepts its output (exit 0), or fails after the step's limit with its
    /// failure sentence and the judge's last word. The probe reads its own secrets on the host (never in argv or output).
    /// </summary>
    private static async Task<(int Exit, string Stderr)> AwaitJudgedAsync(PlanStep step, IHostTransport transport, CancellationToken cancellation)
    {
        if (step.Judge is null || !Judges.TryGetValue(step.Judge, out var judge))
            return (-1, $"no judge '{step.Judge}' in this version of datalyptica. Fix: plan again with this version, then apply.");
        var limit = TimeSpan.FromSeconds(step.TimeoutSeconds ?? 120);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string problem;
        while (true)
        {
            var result = await transport.RunAsync(RemoteCommand.Shell(step.Text!), cancellation);
            problem = judge.Problem(result.Stdout) is { } p ? (result.ExitCode == 0 ? p : $"{p} (probe exited {result.ExitCode}: {result.Stderr.Trim()})") : "";
            if (problem.Length == 0) return (0, "");
            if (clock.Elapsed + TimeSpan.FromSeconds(1) > limit) break;
            await Task.Delay(TimeSpan.FromSeconds(1), cancellation);
        }
        return (1, $"{step.Failure} Last: {problem}");
    }

    /// <summary>
    /// Runs a rolling change's leader check on the member (read-only, bounded): exit 0 means it leads its group. A member
    /// that does not answer is not serving as leader, so it restarts with the others.
    /// </summary>
    private static async Task<bool> LeadsAsync(IHostTransport transport, string leaderCheck, CancellationToken cancellation)
    {
        var result = await transport.RunAsync(RemoteCommand.Shell($"timeout {LeaderCheckSeconds} bash -c {RemoteCommand.Quote(leaderCheck)} >/dev/null 2>&1"), cancellation);
        return result.ExitCode == 0;
    }

    private const int LeaderCheckSeconds = 10;

    /// <summary>
    /// One turn at a time per rolling group within a layer; a failed turn makes every later turn refuse. A member that leads
    /// its group (etcd or ZooKeeper leader, Redis primary) takes its turn only once every other member of the group with a
    /// change in this layer has had its turn, left the layer, or leads too; while it waits it gives up its host slot, so a
    /// low --parallel cannot leave the members it waits for without one.
    /// </summary>
    private sealed class RollingGroups(IReadOnlyList<Change> layerChanges, SemaphoreSlim hostSlots)
    {
        private readonly Dictionary<string, Group> _groups = layerChanges
            .Where(c => c.RollingGroup is not null).GroupBy(c => c.RollingGroup!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new Group(g.Select(c => c.Host)), StringComparer.Ordinal);

        public async Task<Turn> TakeTurnAsync(string name, string host, bool leads, CancellationToken cancellation)
        {
            Group group;
            lock (_groups)
                if (!_groups.TryGetValue(name, out group!)) _groups[name] = group = new Group([host]);
            if (leads)
            {
                group.Settle(host);
                var others = group.OthersThan(host);
                if (!others.IsCompleted)
                {
                    hostSlots.Release();
                    try { await others.WaitAsync(cancellation); }
                    finally { await hostSlots.WaitAsync(CancellationToken.None); }
                }
            }
            await group.Gate.WaitAsync(cancellation);
            return new Turn(group, host);
        }

        /// <summary>The host is done with this layer: it settles in every group, whether or not it reached its turn.</summary>
        public void Leave(string host)
        {
            lock (_groups)
                foreach (var group in _groups.Values) group.Settle(host);
        }

        // Public only inside this private class: a turn needs its group.
        public sealed class Group
        {
            private readonly Dictionary<string, TaskCompletionSource> _settled;

            public Group(IEnumerable<string> members) =>
                _settled = members.Distinct(StringComparer.Ordinal).ToDictionary(m => m, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), StringComparer.Ordinal);

            public SemaphoreSlim Gate { get; } = new(1, 1);
            public bool Failed { get; set; }

            /// <summary>The member had its turn, left the layer or leads: a leader need not wait for it.</summary>
            public void Settle(string host) => _settled.GetValueOrDefault(host)?.TrySetResult();

            public Task OthersThan(string host) => Task.WhenAll(_settled.Where(m => m.Key != host).Select(m => m.Value.Task));
        }

        /// <summary>A turn counts as failed from its start until <see cref="Completed"/>: a step that fails, throws or is cancelled stops the group.</summary>
        public sealed class Turn : IDisposable
        {
            private readonly Group _group;
            private readonly string _host;
            public Turn(Group group, string host) { _group = group; _host = host; PreviousFailed = group.Failed; }
            public bool PreviousFailed { get; }
            public void Started() => _group.Failed = true;
            public void Completed() => _group.Failed = false;
            public void Dispose() { _group.Gate.Release(); _group.Settle(_host); }
        }
    }

    /// <summary>
    /// Once-per-cluster first-start steps within a layer: each opens a barrier when it succeeds; the services of the other
    /// members await it. A waiter gives up its host slot while it waits (the opener may need one). A barrier whose step is
    /// pending in the plan but not in this apply (--limit, --layer) refuses its waiters instead of letting them start
    /// unprepared; a barrier no change of the plan opens (the step had nothing to do) holds nothing up.
    /// </summary>
    private sealed class Barriers
    {
        private readonly Dictionary<string, (string Host, TaskCompletionSource<bool>? Done)> _barriers = new(StringComparer.Ordinal);
        private readonly SemaphoreSlim _hostSlots;

        public Barriers(IEnumerable<Change> planned, IReadOnlyList<Change> selected, SemaphoreSlim hostSlots)
        {
            _hostSlots = hostSlots;
            foreach (var change in planned.Where(c => c.OpensBarrier is not null))
                _barriers[change.OpensBarrier!] = (change.Host, selected.Contains(change) ? new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously) : null);
        }

        public void Open(string barrier)
        {
            if (_barriers.GetValueOrDefault(barrier).Done is { } done) done.TrySetResult(true);
        }

        public void Leave(string host)
        {
            foreach (var (_, (opener, done)) in _barriers)
                if (opener == host) done?.TrySetResult(false);
        }

        /// <summary>Null once every awaited barrier is open (or not in the plan); else why the change must not start.</summary>
        public async Task<string?> WaitAsync(IReadOnlyList<string> awaited, CancellationToken cancellation)
        {
            foreach (var barrier in awaited)
            {
                if (!_barriers.TryGetValue(barrier, out var entry)) continue;
                if (entry.Done is null)
                    return $"not started: the once-per-cluster step {barrier} is pending on {entry.Host}, which this apply leaves out (--limit/--layer). " +
                           $"Fix: apply including {entry.Host} first.";
                if (!entry.Done.Task.IsCompleted)
                {
                    _hostSlots.Release();
                    try { await entry.Done.Task.WaitAsync(cancellation); }
                    finally { await _hostSlots.WaitAsync(CancellationToken.None); }
                }
                if (!entry.Done.Task.Result)
                    return $"not started: the once-per-cluster step {barrier} did not complete on {entry.Host}. Fix that host, then apply again.";
            }
            return null;
        }
    }

    /// <summary>
    /// One JSON line per host and layer in /var/log/datalyptica/audit.log: who, when, which run and plan, what changed.
    /// Best effort (never hides the real result) and not cancellable, so an interrupted layer still leaves its trace.
    /// </summary>
    private static async Task WriteAuditAsync(IHostTransport transport, string root, string who, string runId, string fingerprint,
        Layer layer, List<Change> done, StepFailure? failure)
    {
        var record = JsonSerializer.Serialize(new
        {
            time = DateTimeOffset.UtcNow, who, run = runId, plan = fingerprint, layer = layer.Name(),
            changes = done.Select(c => $"{c.Action.Glyph()} {c.ResourceId}"),
            failed = failure?.ResourceId,
        });
        var dir = RemoteCommand.Quote(root + PlatformPaths.LogRoot);
        var command = RemoteCommand.Shell($"mkdir -p {dir} && printf '%s\\n'").Arg(record).Then($" >> {RemoteCommand.Quote(root + PlatformPaths.LogRoot + "/audit.log")}");
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await transport.RunAsync(command, timeout.Token);
        }
        catch (Exception) { /* the journal on the control node has the same facts */ }
    }
}

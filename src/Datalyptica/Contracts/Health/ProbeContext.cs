using System.Diagnostics;
using Datalyptica.Model;
using Datalyptica.Secrets;

namespace Datalyptica.Contracts.Health;

/// <summary>What a probe returns for one check: its status and a detail that names what was measured.</summary>
public sealed record ProbeOutcome(HealthStatus Status, string Detail)
{
    public static ProbeOutcome Ok(string detail) => new(HealthStatus.Healthy, detail);
    public static ProbeOutcome Fail(string detail) => new(HealthStatus.Failed, detail);
    public static ProbeOutcome When(bool ok, string detail) => new(ok ? HealthStatus.Healthy : HealthStatus.Failed, detail);
}

/// <summary>
/// Everything a component's probe needs: the site, the component's hosts that have it installed, a way to reach each,
/// secrets by vault name, and the per-probe timeout. <see cref="CheckAsync"/> times a probe, bounds it and turns any
/// exception into a failed check with a masked message, so one dead member never stops the others' checks.
/// </summary>
public sealed class ProbeContext
{
    private readonly Func<Host, CancellationToken, Task<IProbeAccess>> _access;
    private readonly SemaphoreSlim _slots;

    public ProbeContext(Site site, string componentId, IReadOnlyList<Host> hosts,
        Func<Host, CancellationToken, Task<IProbeAccess>> access, VerifyOptions options, SemaphoreSlim? slots = null, bool? clusterChecks = null)
    {
        ClusterChecks = clusterChecks ?? options.Hosts is null;
        Site = site;
        ComponentId = componentId;
        Hosts = hosts;
        _access = access;
        Options = options;
        _slots = slots ?? new SemaphoreSlim(options.Parallelism, options.Parallelism);
    }

    public Site Site { get; }
    /// <summary>The component's id (os-base for the OS base layer, which is not a catalog component).</summary>
    public string ComponentId { get; }
    /// <summary>Hosts of the component where it is installed (or every member when installation was not checked).</summary>
    public IReadOnlyList<Host> Hosts { get; }
    public VerifyOptions Options { get; }
    public TimeSpan Timeout => Options.Timeout;

    /// <summary>
    /// Cluster checks (quorum, leader, replication) need every member of the component: they run unless --limit leaves
    /// one of its members out (the verifier, which knows the members, says so; by default, only without a limit).
    /// </summary>
    public bool ClusterChecks { get; }

    public Secret? Secret(string vaultName) => Options.ResolveSecret(vaultName);

    /// <summary>Members the site configures for a role (quorum arithmetic uses this, not how many answered).</summary>
    public IReadOnlyList<Host> Members(RoleDefinition role) => Site.HostsWith(role).ToList();

    public Task<IProbeAccess> AccessAsync(Host host, CancellationToken cancellation) => _access(host, cancellation);

    /// <summary>Runs one host's probe, timed and bounded by the timeout.</summary>
    public Task<HealthCheck> CheckAsync(Host host, string check, Func<IProbeAccess, CancellationToken, Task<ProbeOutcome>> probe, CancellationToken cancellation) =>
        TimedAsync(host.Name, check, async ct => await probe(await _access(host, ct), ct), cancellation);

    /// <summary>A check of the whole cluster (reported once, host "cluster").</summary>
    public HealthCheck Cluster(string check, ProbeOutcome outcome) =>
        new(ComponentId, HealthCheck.ClusterScope, check, outcome.Status, Options.Masker.Mask(outcome.Detail), TimeSpan.Zero);

    public async Task<HealthCheck> TimedAsync(string hostName, string check, Func<CancellationToken, Task<ProbeOutcome>> probe, CancellationToken cancellation)
    {
        await _slots.WaitAsync(cancellation);
        var clock = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(Timeout);
        try
        {
            var outcome = await probe(timeout.Token).WaitAsync(timeout.Token);
            return new HealthCheck(ComponentId, hostName, check, outcome.Status, Options.Masker.Mask(outcome.Detail), clock.Elapsed);
        }
        catch (StandInAnsweredException e)
        {
            // A stand-in answered (the lab's release-faithful stand-in): started, never judged, never healthy.
            return new HealthCheck(ComponentId, hostName, check, HealthStatus.StandIn, Options.Masker.Mask(e.Message), clock.Elapsed);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return HealthCheck.Failed(ComponentId, hostName, check, $"no answer within {Timeout.TotalSeconds:0.#} s", clock.Elapsed);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheck.Failed(ComponentId, hostName, check, Options.Masker.Mask(Describe(e)), clock.Elapsed);
        }
        finally { _slots.Release(); }
    }

    // The innermost message says what went wrong (connection refused, authentication failed); no stack, no inner secrets.
    private static string Describe(Exception e)
    {
        var deepest = e;
        while (deepest.InnerException is not null) deepest = deepest.InnerException;
        if (e is System.Net.Http.HttpRequestException { HttpRequestError: System.Net.Http.HttpRequestError.ResponseEnded } || deepest is EndOfStreamException)
            // Through an SSH forward a refused connection shows as one the far end closes at once.
            return "connection closed without an answer: nothing listening on the port, or the service refused it";
        var outer = e is AggregateException { InnerExceptions.Count: > 0 } a ? a.InnerExceptions[0] : e;
        var innermost = outer;
        while (innermost.InnerException is not null) innermost = innermost.InnerException;
        // "Failed to connect to 127.0.0.1:5432" says where; the socket error below it says why (refused, timed out).
        var text = innermost == outer || outer.Message.Contains(innermost.Message, StringComparison.Ordinal)
            ? outer.Message : $"{outer.Message}: {innermost.Message}";
        return text.ReplaceLineEndings(" ").Trim();
    }
}

/// <summary>How verify runs: which component and hosts to look at, the per-probe timeout, secrets and masking.</summary>
public sealed record VerifyOptions
{
    public string? Component { get; init; }
    /// <summary>Only these hosts (verify --limit); null: every host.</summary>
    public IReadOnlySet<string>? Hosts { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);
    public int Parallelism { get; init; } = 64;
    public Func<string, Secret?> ResolveSecret { get; init; } = _ => null;
    public SecretMasker Masker { get; init; } = new();
    /// <summary>Check units over the host's shell (systemctl); off only where the host has no systemd (loopback tests).</summary>
    public bool CheckUnits { get; init; } = true;

    /// <summary>Whether the run looks at this host.</summary>
    public bool Includes(Host host) => Hosts is null || Hosts.Contains(host.Name);

    /// <summary>Whether the run looks at every one of these hosts (no limit, or one that leaves none of them out).</summary>
    public bool IncludesAll(IEnumerable<Host> hosts) => Hosts is null || hosts.All(Includes);
}

/// <summary>A component's health probe, declared in its own folder (Components/NAME/NAMEHealth.cs).</summary>
public interface IHealthProbe
{
    Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation);
}

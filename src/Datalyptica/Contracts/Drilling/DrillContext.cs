using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Model;
using Datalyptica.Secrets;

namespace Datalyptica.Contracts.Drilling;

/// <summary>
/// What every drill needs: the site, its secrets (never printed), SSH to its hosts (a fresh session per command because
/// hosts crash under it), and for lab sites the lab's own controls, to crash and boot hosts. Drills in component folders
/// see only this; the drill harness (Datalyptica.Drills) opens the site and supplies the SSH factory, the lab and verify.
/// </summary>
public abstract class DrillContext
{
    protected DrillContext(string directory, Site site, IReadOnlyDictionary<string, Secret> secrets, Action<string> log)
    {
        Directory = directory;
        Site = site;
        Secrets = secrets;
        Log = log;
        Masker = new SecretMasker(secrets.Values);
    }

    public string Directory { get; }
    public Site Site { get; }
    public Action<string> Log { get; }
    public SecretMasker Masker { get; }
    /// <summary>The site's decrypted secrets by vault name (never printed: <see cref="Masker"/> hides each in output).</summary>
    protected IReadOnlyDictionary<string, Secret> Secrets { get; }

    /// <summary>An SSH session to <paramref name="host"/> (blocking: the handshake runs on the caller's thread).</summary>
    protected abstract IHostTransport Connect(Host host, TimeSpan connectTimeout, TimeSpan commandTimeout);

    /// <summary>A session for apply's engine on <paramref name="host"/> (an upgrade applies a member's part of the plan): apply's own bounds.</summary>
    public IHostTransport ApplyTransport(Host host) => Connect(host, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(10));

    /// <summary>Crashes a lab host (KILL of its init); refuses on a site that is not a lab's.</summary>
    public abstract void CrashLabHost(string host);

    public abstract Task StartLabHostAsync(string host, CancellationToken cancellation);

    /// <summary>Boots these stopped lab hosts together (power back after a power loss); waits until each answers SSH.</summary>
    public virtual Task StartLabHostsAsync(IReadOnlyList<string> hosts, CancellationToken cancellation) => throw NotALab("a power loss");

    /// <summary>
    /// Cuts a lab host off the network at its bridge port, the link left up (<see cref="NetworkCut"/> says what is dropped).
    /// Refuses on a site that is not a lab's. <see cref="HealLabNetworkAsync"/> undoes every cut.
    /// </summary>
    public virtual Task CutLabHostAsync(string host, NetworkCut cut, CancellationToken cancellation) => throw NotALab("a network partition");

    /// <summary>Removes every network cut of this lab; true when one was in place. Nothing for a non-lab site.</summary>
    public virtual Task<bool> HealLabNetworkAsync(CancellationToken cancellation) => Task.FromResult(false);

    /// <summary>Runs a command inside a lab host through its console (its namespaces entered from the control machine): works while its network is cut.</summary>
    public virtual Task<CommandResult> RunOnLabConsoleAsync(string host, string command, CancellationToken cancellation, TimeSpan? timeout = null) =>
        throw NotALab("a host's console");

    protected DrillException NotALab(string what) =>
        new($"{Directory} is not a lab site: {what} needs the lab's state.json next to the site. Run this drill on a lab (datalyptica lab up).");

    /// <summary>Boots every host of this lab whose init is not running (a crash drill's host); the names booted. Nothing for a non-lab site.</summary>
    public abstract Task<IReadOnlyList<string>> BootStoppedLabHostsAsync(CancellationToken cancellation);

    /// <summary>
    /// verify's health check (every component, or only <paramref name="component"/>, on every host); the failed checks in
    /// words, empty when healthy.
    /// </summary>
    public abstract Task<IReadOnlyList<string>> HealthProblemsAsync(CancellationToken cancellation, string? component = null);

    /// <summary>Waits until verify finds nothing wrong (bounded).</summary>
    public Task WaitHealthyAsync(TimeSpan within, CancellationToken cancellation) =>
        WaitUntilAsync("the site healthy (datalyptica verify)", async ct =>
        {
            var problems = await HealthProblemsAsync(ct);
            return problems.Count == 0 ? null : string.Join("; ", problems.Take(5));
        }, within, cancellation, TimeSpan.FromSeconds(5));

    public Secret Secret(string vaultName) => Secrets.GetValueOrDefault(vaultName)
        ?? throw new DrillException($"the site vault has no {vaultName}. Fix: datalyptica init --force {Directory} (keeps existing secrets), then apply.");

    public Host HostNamed(string name) => Site.Hosts.First(h => h.Name == name);

    /// <summary>Runs a command on a host over a fresh SSH session; connect and command bounded by <paramref name="timeout"/>.</summary>
    public async Task<CommandResult> RunAsync(Host host, string command, CancellationToken cancellation, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        await using var transport = await Task.Run(() => Connect(host, limit, limit), cancellation).WaitAsync(limit + TimeSpan.FromSeconds(2), cancellation);
        return await transport.RunAsync(RemoteCommand.Shell(command), cancellation).WaitAsync(limit + TimeSpan.FromSeconds(2), cancellation);
    }

    /// <summary>Opens the session first, then calls <paramref name="mark"/> and runs the command: the mark is when the command starts.</summary>
    public async Task<(TimeSpan MarkedAt, CommandResult Result)> RunTimedAsync(Host host, string command, Func<TimeSpan> mark, CancellationToken cancellation)
    {
        var limit = TimeSpan.FromSeconds(60);
        await using var transport = await Task.Run(() => Connect(host, TimeSpan.FromSeconds(10), limit), cancellation).WaitAsync(TimeSpan.FromSeconds(15), cancellation);
        // A no-op first, so the session (not only TCP) is open before the mark.
        await transport.RunAsync(RemoteCommand.Shell("true"), cancellation);
        var at = mark();
        return (at, await transport.RunAsync(RemoteCommand.Shell(command), cancellation).WaitAsync(limit, cancellation));
    }

    /// <summary>A session kept open by the caller (port forwards live as long as it does).</summary>
    public async Task<IHostTransport> OpenAsync(Host host, CancellationToken cancellation)
    {
        return await Task.Run(() => Connect(host, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30)), cancellation).WaitAsync(TimeSpan.FromSeconds(15), cancellation);
    }

    public async Task<string> RunCheckedAsync(Host host, string command, CancellationToken cancellation, TimeSpan? timeout = null)
    {
        var result = await RunAsync(host, command, cancellation, timeout);
        if (!result.Succeeded)
            throw new DrillException(Masker.Mask($"`{command}` on {host.Name} exited {result.ExitCode}: {(result.Stderr + result.Stdout).Trim()}"));
        return result.Stdout;
    }

    /// <summary>Hosts answering SSH now (a crashed one is skipped), each asked within 3 s.</summary>
    public async Task<IReadOnlyList<Host>> ReachableAsync(IEnumerable<Host> hosts, CancellationToken cancellation)
    {
        var answers = await Task.WhenAll(hosts.Select(async h =>
        {
            try { return (await RunAsync(h, "true", cancellation, TimeSpan.FromSeconds(3))).Succeeded ? h : null; }
            catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested) { return null; }
        }));
        return answers.OfType<Host>().ToList();
    }

    /// <summary>Polls until <paramref name="done"/> holds (bounded); the last problem goes into the exception.</summary>
    public async Task<TimeSpan> WaitUntilAsync(string what, Func<CancellationToken, Task<string?>> problem, TimeSpan within, CancellationToken cancellation, TimeSpan? every = null)
    {
        var clock = Stopwatch.StartNew();
        string? last = "not checked yet";
        while (clock.Elapsed < within)
        {
            try { last = await problem(cancellation); }
            catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested) { last = Masker.Mask(e.Message); }
            if (last is null) return clock.Elapsed;
            await Task.Delay(every ?? TimeSpan.FromSeconds(1), cancellation);
        }
        throw new DrillException($"{what}: not within {within.TotalSeconds:0} s (last: {last})");
    }

    /// <summary>
    /// verify's probes for the whole component, healthy twice in a row: one good answer right after a restart can still be
    /// the cluster's view from before it (a member key that has not expired yet).
    /// </summary>
    public async Task WaitComponentHealthyAsync(string component, TimeSpan within, CancellationToken cancellation)
    {
        var streak = 0;
        await WaitUntilAsync($"{component} healthy (datalyptica verify --component {component})", async ct =>
        {
            var problems = await HealthProblemsAsync(ct, component);
            streak = problems.Count == 0 ? streak + 1 : 0;
            return streak >= 2 ? null : problems.Count > 0 ? string.Join("; ", problems.Take(3)) : "healthy once, checking again";
        }, within, cancellation, TimeSpan.FromSeconds(2));
    }

    /// <summary>The host that has <paramref name="address"/> on an interface now (null when none does; more than one is a split brain).</summary>
    public async Task<Host?> AddressHolderAsync(IPAddress address, IEnumerable<Host> candidates, CancellationToken cancellation)
    {
        var found = await AddressHoldersAsync(address, candidates, cancellation);
        return found.Count > 1 ? throw new DrillException($"{address} is on more than one host ({string.Join(", ", found.Select(h => h.Name))}): split brain")
            : found.FirstOrDefault();
    }

    /// <summary>Every host that has <paramref name="address"/> on an interface now (a host that does not answer within 3 s is not counted).</summary>
    public async Task<IReadOnlyList<Host>> AddressHoldersAsync(IPAddress address, IEnumerable<Host> candidates, CancellationToken cancellation)
    {
        var found = new ConcurrentBag<Host>();
        await Task.WhenAll(candidates.Select(async h =>
        {
            try
            {
                var result = await RunAsync(h, "ip -4 -o addr show", cancellation, TimeSpan.FromSeconds(3));
                if (result.Succeeded && result.Stdout.Contains($" {address}/", StringComparison.Ordinal)) found.Add(h);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested) { }
        }));
        return found.OrderBy(h => h.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>True when a TCP connection to address:port opens within <paramref name="timeout"/>.</summary>
    public static async Task<bool> ConnectsAsync(IPAddress address, int port, TimeSpan timeout, CancellationToken cancellation)
    {
        using var client = new TcpClient();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        limit.CancelAfter(timeout);
        try { await client.ConnectAsync(address, port, limit.Token); return true; }
        catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !cancellation.IsCancellationRequested)) { return false; }
    }
}

/// <summary>What a lab network cut drops at a host's port on the lab bridge (the link stays up, as a switch port would).</summary>
public enum NetworkCut
{
    /// <summary>Every frame in and out: the other hosts, this machine (SSH, the drill's clients) and the VIPs the host holds.</summary>
    Everything,
    /// <summary>Every frame between the host and the other lab hosts; this machine still reaches it, as a client on its side of the partition.</summary>
    OtherHosts,
    /// <summary>Only VRRP (IP protocol 112) between the host and the other lab hosts.</summary>
    Vrrp,
}

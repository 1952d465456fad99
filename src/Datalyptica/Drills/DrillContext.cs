using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Datalyptica.Engine.Apply;
using Datalyptica.Engine.Transport;
using Datalyptica.Lab;
using Datalyptica.Model;
using Datalyptica.Secrets;
using Datalyptica.Sites;
using Datalyptica.Verification;

namespace Datalyptica.Drills;

/// <summary>
/// What every drill needs: the site, its secrets (never printed), SSH to its hosts (the site's known_hosts, a fresh
/// session per command because hosts crash under it), and for lab sites the lab itself, to crash and boot hosts.
/// </summary>
public sealed class DrillContext
{
    private readonly IHostTransportFactory _ssh;
    private readonly IReadOnlyDictionary<string, Secret> _secrets;

    private DrillContext(string directory, Site site, IReadOnlyDictionary<string, Secret> secrets, IHostTransportFactory ssh, LabManager? lab, Action<string> log)
    {
        Directory = directory;
        Site = site;
        _secrets = secrets;
        _ssh = ssh;
        Lab = lab;
        Log = log;
        Masker = new SecretMasker(secrets.Values);
    }

    public string Directory { get; }
    public Site Site { get; }
    public LabManager? Lab { get; }
    public Action<string> Log { get; }
    public SecretMasker Masker { get; }

    /// <summary>
    /// Opens a site through the one door every verb uses (<see cref="SiteSession.Open"/>: the vault password from
    /// <paramref name="vaultPassword"/>, else the environment, else SITE/.vault-password; validated, refused on errors)
    /// and, when the site is a lab's (SITE is LAB/site next to LAB/state.json), that lab.
    /// </summary>
    public static DrillContext Open(string siteDirectory, Action<string> log, Secret? vaultPassword = null)
    {
        var opening = SiteSession.Open(new SiteOpenOptions(siteDirectory) { VaultPassword = vaultPassword });
        return opening.Session is { } session ? Open(session, log)
            : throw new DrillException($"the site {Path.GetFullPath(siteDirectory)} has errors: " +
                string.Join("; ", opening.Errors.Select(d => d.Source is null ? $"{d.Code} {d.Message}" : $"{d.Code} {d.Source}: {d.Message}")) +
                $". Fix: datalyptica validate {Path.GetFullPath(siteDirectory)}");
    }

    /// <summary>A drill context for a site already opened (and so validated); drills need its vault password.</summary>
    public static DrillContext Open(SiteSession session, Action<string> log)
    {
        var directory = session.Directory;
        if (session.VaultPassword is null)
            throw new DrillException($"no vault password for {directory}: drills read the database and Redis passwords from the vault. " +
                $"Fix: keep it in {Path.Combine(directory, SiteLoader.SiteVaultPasswordFile)} or pass --vault-password-file.");
        var knownHosts = Path.Combine(directory, "known_hosts");
        var ssh = new SshTransportFactory(new SshTransportOptions { KnownHostsFile = knownHosts, ConnectAttempts = 1 }, null);
        LabManager? lab = null;
        var labDirectory = Path.GetDirectoryName(directory)!;
        if (File.Exists(Path.Combine(labDirectory, "state.json")))
        {
            var state = LabState.Load(Path.Combine(labDirectory, "state.json"))!;
            lab = new LabManager(new LabOptions { Name = state.Name, Root = Path.GetDirectoryName(labDirectory)!, Bridge = state.Bridge }, log);
        }
        return new DrillContext(directory, session.Site, session.Secrets, ssh, lab, log);
    }

    public Secret Secret(string vaultName) => _secrets.GetValueOrDefault(vaultName)
        ?? throw new DrillException($"the site vault has no {vaultName}. Fix: datalyptica init --force {Directory} (keeps existing secrets), then apply.");

    public Host HostNamed(string name) => Site.Hosts.First(h => h.Name == name);

    /// <summary>Runs a command on a host over a fresh SSH session; connect and command bounded by <paramref name="timeout"/>.</summary>
    public async Task<CommandResult> RunAsync(Host host, string command, CancellationToken cancellation, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        var connection = HostConnections.For(host) with { ConnectTimeout = limit, CommandTimeout = limit };
        await using var transport = await Task.Run(() => _ssh.Connect(connection), cancellation).WaitAsync(limit + TimeSpan.FromSeconds(2), cancellation);
        return await transport.RunAsync(RemoteCommand.Shell(command), cancellation).WaitAsync(limit + TimeSpan.FromSeconds(2), cancellation);
    }

    /// <summary>Opens the session first, then calls <paramref name="mark"/> and runs the command: the mark is when the command starts.</summary>
    public async Task<(TimeSpan MarkedAt, CommandResult Result)> RunTimedAsync(Host host, string command, Func<TimeSpan> mark, CancellationToken cancellation)
    {
        var limit = TimeSpan.FromSeconds(60);
        var connection = HostConnections.For(host) with { ConnectTimeout = TimeSpan.FromSeconds(10), CommandTimeout = limit };
        await using var transport = await Task.Run(() => _ssh.Connect(connection), cancellation).WaitAsync(TimeSpan.FromSeconds(15), cancellation);
        // A no-op first, so the session (not only TCP) is open before the mark.
        await transport.RunAsync(RemoteCommand.Shell("true"), cancellation);
        var at = mark();
        return (at, await transport.RunAsync(RemoteCommand.Shell(command), cancellation).WaitAsync(limit, cancellation));
    }

    /// <summary>A session kept open by the caller (port forwards live as long as it does).</summary>
    public async Task<IHostTransport> OpenAsync(Host host, CancellationToken cancellation)
    {
        var connection = HostConnections.For(host) with { ConnectTimeout = TimeSpan.FromSeconds(10), CommandTimeout = TimeSpan.FromSeconds(30) };
        return await Task.Run(() => _ssh.Connect(connection), cancellation).WaitAsync(TimeSpan.FromSeconds(15), cancellation);
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

    /// <summary>The host that has <paramref name="address"/> on an interface now (null when none does).</summary>
    public async Task<Host?> AddressHolderAsync(IPAddress address, IEnumerable<Host> candidates, CancellationToken cancellation)
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
        return found.Count > 1 ? throw new DrillException($"{address} is on more than one host ({string.Join(", ", found.Select(h => h.Name))}): split brain")
            : found.FirstOrDefault();
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

    /// <summary>
    /// Crashes a lab host: KILL of its init (nspawn's child). A KILL of nspawn itself would leave the host running.
    /// </summary>
    public LabHostState CrashLabHost(string host)
    {
        var lab = Lab ?? throw new DrillException($"{Directory} is not a lab site: a host crash needs the lab's state.json next to the site. Run crash drills on a lab.");
        var state = LabState.Load(lab.Options.StateFile) ?? throw new DrillException($"lab state {lab.Options.StateFile} vanished");
        var h = state.Hosts.FirstOrDefault(x => x.Name == host) ?? throw new DrillException($"host {host} is not in lab {state.Name}");
        if (!LabSystem.IsSame(h.InitPid, h.InitPidStart))
            throw new DrillException($"lab host {host}: its recorded init PID {h.InitPid} is not running (or is another process now); not killing anything. Fix: datalyptica lab status.");
        LabSystem.Signal(h.InitPid!.Value, LabSystem.SigKill);
        return h;
    }

    public async Task StartLabHostAsync(string host, CancellationToken cancellation)
    {
        var lab = Lab ?? throw new DrillException($"{Directory} is not a lab site");
        await lab.StartHostAgainAsync(host, cancellation);
    }

    /// <summary>Boots every host of this lab whose init is not running (a crash drill's host); the names booted. Nothing for a non-lab site.</summary>
    public async Task<IReadOnlyList<string>> BootStoppedLabHostsAsync(CancellationToken cancellation)
    {
        if (Lab is null || LabState.Load(Lab.Options.StateFile) is not { } state) return [];
        var booted = new List<string>();
        foreach (var host in state.Hosts.Where(h => !LabSystem.IsSame(h.InitPid, h.InitPidStart)))
        {
            Log($"booting lab host {host.Name} again");
            await Lab.StartHostAgainAsync(host.Name, cancellation);
            booted.Add(host.Name);
        }
        return booted;
    }

    /// <summary>verify's whole health check (every component, every host); the failed checks in words, empty when healthy.</summary>
    public async Task<IReadOnlyList<string>> HealthProblemsAsync(CancellationToken cancellation)
    {
        var options = new VerifyOptions { ResolveSecret = n => _secrets.GetValueOrDefault(n), Masker = Masker, Timeout = TimeSpan.FromSeconds(10) };
        await using var sessions = new ProbeSessions(host => _ssh.Connect(HostConnections.For(host) with { ConnectTimeout = options.Timeout, CommandTimeout = options.Timeout }));
        var report = await Verifier.VerifyAsync(Site, sessions.AccessAsync, options, cancellation);
        return report.Checks.Where(c => c.Status is HealthStatus.Failed or HealthStatus.Missing)
            .Select(c => $"{c.Component} {c.Host} {c.Check}: {c.Detail}").ToList();
    }
}

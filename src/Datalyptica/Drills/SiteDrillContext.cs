using Datalyptica.Contracts.Drilling;
using Datalyptica.Contracts.Health;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Apply;
using Datalyptica.Engine.Transport;
using Datalyptica.Lab;
using Datalyptica.Model;
using Datalyptica.Secrets;
using Datalyptica.Sites;
using Datalyptica.Verification;

namespace Datalyptica.Drills;

/// <summary>
/// The drill context of an opened site: SSH with the site's known_hosts (one attempt per connection: hosts crash under
/// drills), and when the site is a lab's (SITE is LAB/site next to LAB/state.json) that lab, to crash and boot hosts.
/// </summary>
public sealed class SiteDrillContext : DrillContext
{
    private readonly IHostTransportFactory _ssh;

    private SiteDrillContext(string directory, Site site, IReadOnlyDictionary<string, Secret> secrets, IHostTransportFactory ssh, LabManager? lab, Action<string> log)
        : base(directory, site, secrets, log)
    {
        _ssh = ssh;
        Lab = lab;
    }

    public LabManager? Lab { get; }

    /// <summary>
    /// Opens a site through the one door every verb uses (<see cref="SiteSession.Open"/>: the vault password from
    /// <paramref name="vaultPassword"/>, else the environment, else SITE/.vault-password; validated, refused on errors)
    /// and, when the site is a lab's (SITE is LAB/site next to LAB/state.json), that lab.
    /// </summary>
    public static SiteDrillContext Open(string siteDirectory, Action<string> log, Secret? vaultPassword = null)
    {
        var opening = SiteSession.Open(new SiteOpenOptions(siteDirectory) { VaultPassword = vaultPassword });
        return opening.Session is { } session ? Open(session, log)
            : throw new DrillException($"the site {Path.GetFullPath(siteDirectory)} has errors: " +
                string.Join("; ", opening.Errors.Select(d => d.Source is null ? $"{d.Code} {d.Message}" : $"{d.Code} {d.Source}: {d.Message}")) +
                $". Fix: datalyptica validate {Path.GetFullPath(siteDirectory)}");
    }

    /// <summary>A drill context for a site already opened (and so validated); drills need its vault password.</summary>
    public static SiteDrillContext Open(SiteSession session, Action<string> log)
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
        return new SiteDrillContext(directory, session.Site, session.Secrets, ssh, lab, log);
    }

    protected override IHostTransport Connect(Host host, TimeSpan connectTimeout, TimeSpan commandTimeout) =>
        _ssh.Connect(HostConnections.For(host) with { ConnectTimeout = connectTimeout, CommandTimeout = commandTimeout });

    /// <summary>
    /// Crashes a lab host: KILL of its init (nspawn's child). A KILL of nspawn itself would leave the host running.
    /// </summary>
    public override void CrashLabHost(string host)
    {
        var lab = Lab ?? throw NotALab("a host crash");
        var state = LabState.Load(lab.Options.StateFile) ?? throw new DrillException($"lab state {lab.Options.StateFile} vanished");
        var h = state.Hosts.FirstOrDefault(x => x.Name == host) ?? throw new DrillException($"host {host} is not in lab {state.Name}");
        if (!LabSystem.IsSame(h.InitPid, h.InitPidStart))
            throw new DrillException($"lab host {host}: its recorded init PID {h.InitPid} is not running (or is another process now); not killing anything. Fix: datalyptica lab status.");
        LabSystem.Signal(h.InitPid!.Value, LabSystem.SigKill);
    }

    public override async Task StartLabHostAsync(string host, CancellationToken cancellation)
    {
        var lab = Lab ?? throw NotALab("booting a host");
        await lab.StartHostAgainAsync(host, cancellation);
    }

    public override async Task StartLabHostsAsync(IReadOnlyList<string> hosts, CancellationToken cancellation)
    {
        var lab = Lab ?? throw NotALab("a power loss");
        await lab.StartHostsAgainAsync(hosts, cancellation);
    }

    public override async Task CutLabHostAsync(string host, NetworkCut cut, CancellationToken cancellation)
    {
        var faults = (Lab ?? throw NotALab("a network partition")).NetworkFaults();
        try
        {
            await (cut switch
            {
                NetworkCut.Everything => faults.IsolateAsync(host, fromThisMachine: true, cancellation),
                NetworkCut.OtherHosts => faults.IsolateAsync(host, fromThisMachine: false, cancellation),
                NetworkCut.Vrrp => faults.BlockProtocolAsync(host, LabNetworkFaults.Vrrp, cancellation),
                _ => throw new ArgumentOutOfRangeException(nameof(cut), cut, null),
            });
        }
        catch (LabException e) { throw new DrillException(e.Message); }
    }

    public override async Task<bool> HealLabNetworkAsync(CancellationToken cancellation) =>
        Lab is not null && await Lab.NetworkFaults().HealAsync(cancellation);

    public override async Task<CommandResult> RunOnLabConsoleAsync(string host, string command, CancellationToken cancellation, TimeSpan? timeout = null)
    {
        var faults = (Lab ?? throw NotALab("a host's console")).NetworkFaults();
        try
        {
            var result = await faults.RunOnConsoleAsync(host, command, timeout ?? TimeSpan.FromSeconds(10), cancellation);
            return new CommandResult(result.ExitCode, result.Stdout, result.Stderr);
        }
        catch (LabException e) { throw new DrillException(e.Message); }
    }

    public override async Task<IReadOnlyList<string>> BootStoppedLabHostsAsync(CancellationToken cancellation)
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

    public override async Task<IReadOnlyList<string>> HealthProblemsAsync(CancellationToken cancellation, string? component = null)
    {
        var options = new VerifyOptions { Component = component, ResolveSecret = n => Secrets.GetValueOrDefault(n), Masker = Masker, Timeout = TimeSpan.FromSeconds(10) };
        await using var sessions = new ProbeSessions(host => _ssh.Connect(HostConnections.For(host) with { ConnectTimeout = options.Timeout, CommandTimeout = options.Timeout }));
        var report = await Verifier.VerifyAsync(Site, sessions.AccessAsync, options, cancellation);
        return report.Checks.Where(c => c.Status is HealthStatus.Failed or HealthStatus.Missing)
            .Select(c => $"{c.Component} {c.Host} {c.Check}: {c.Detail}").ToList();
    }
}

using System.Diagnostics;
using System.Net.Sockets;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Transport;
using Datalyptica.Inventory;
using Datalyptica.Model;
using Datalyptica.Sites;

namespace Datalyptica.Lab;

public sealed record LabHostTiming(string Host, string Address, TimeSpan BootToSsh);

/// <param name="AlreadyUp">The lab existed and every host was up: nothing was booted.</param>
/// <param name="Existing">The lab existed: only hosts that were down were booted (<see cref="Hosts"/>), nothing was deleted.</param>
public sealed record LabUpResult(string Image, TimeSpan? ImageBuild, TimeSpan Total, IReadOnlyList<LabHostTiming> Hosts, string Site, bool AlreadyUp, bool Existing = false);

public sealed record LabHostStatus(string Host, string Address, int? Pid, bool Running, bool SshOk, string? SshError);

public sealed record LabDownResult(int HostsStopped, int HostsKilled, int Unmounted, bool BridgeRemoved, bool StateRemoved);

/// <summary>
/// `datalyptica lab`: a few real Debian hosts on this machine (systemd-nspawn on overlays of one cached image,
/// a bridge with no route out, static addresses, the lab's SSH key). docs/LAB.md has the measured timings.
/// Every process is started, tracked and stopped by its own PID; nothing here kills by name.
/// </summary>
public sealed class LabManager(LabOptions options, Action<string>? log = null)
{
    private readonly Action<string> _log = log ?? (_ => { });

    public LabOptions Options => options;

    /// <summary>Root, systemd-nspawn, debootstrap, ip, ssh-keygen, mount: each missing one is reported with its fix.</summary>
    public static IReadOnlyList<string> CheckPreconditions()
    {
        var problems = new List<string>();
        if (!LabSystem.IsRoot())
            problems.Add("the lab needs root (bridges, overlay mounts, systemd-nspawn). Fix: run as root, e.g. `sudo datalyptica lab up`.");
        foreach (var (tool, package) in new[] { ("systemd-nspawn", "systemd-container"), ("debootstrap", "debootstrap"),
                     ("ip", "iproute2"), ("ssh-keygen", "openssh-client"), ("mount", "mount") })
            if (LabSystem.FindTool(tool) is null)
                problems.Add($"{tool} is missing. Fix: run ./setup.sh (it installs systemd-container and debootstrap), or `apt-get install {package}`.");
        return problems;
    }

    private static void RequirePreconditions()
    {
        var problems = CheckPreconditions();
        if (problems.Count > 0) throw new LabException(string.Join("\n", problems));
    }

    /// <summary>
    /// Boots a lab. On a lab that exists it never destroys anything: it boots only the hosts that are down and keeps their
    /// disks, the site (vault password, secrets, CA) and the deployment's data (<see cref="ResumeAsync"/>). Building a lab
    /// again takes <paramref name="recreate"/>, which says what it deletes first.
    /// </summary>
    /// <param name="hostCount">How many hosts a new lab gets; for a lab that exists, null or its own count.</param>
    public async Task<LabUpResult> UpAsync(int? hostCount, string? siteDirectory, CancellationToken cancellation, bool recreate = false)
    {
        if (hostCount is { } n)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(n, LabOptions.MaxHosts);
        }
        RequirePreconditions();
        var total = Stopwatch.StartNew();

        var existing = LabState.Load(options.StateFile);
        if (existing is not null && !recreate) return await ResumeAsync(existing, hostCount, siteDirectory, total, cancellation);
        var leftovers = Directory.Exists(options.LabDirectory) || LabSystem.LinkExists(options.Bridge);
        if (existing is not null || leftovers)
        {
            if (!recreate)
                throw new LabException($"lab '{options.Name}' has leftovers of an earlier run but no state file ({options.StateFile}): " +
                                       $"{(Directory.Exists(options.LabDirectory) ? options.LabDirectory : "")}{(LabSystem.LinkExists(options.Bridge) ? $" bridge {options.Bridge}" : "")}. " +
                                       "lab up deletes nothing by itself. Fix: `datalyptica lab down` (it removes them), or `lab up --recreate`.");
            _log(WhatRecreateDeletes(existing));
            await DownAsync(cancellation);
        }
        var count = hostCount ?? LabOptions.DefaultHosts;
        var site = siteDirectory ?? Path.Combine(options.LabDirectory, "site");

        var (image, built) = await LabImage.EnsureAsync(options, _log, cancellation);
        Directory.CreateDirectory(options.LabDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(options.LogFile("x"))!);
        var specs = Enumerable.Range(0, count)
            .Select(i => (Name: LabOptions.HostName(i), Address: options.HostAddress(i).ToString())).ToList();
        var state = new LabState(options.Name, options.Bridge, options.BridgeAddress, image,
            specs.Select(s => new LabHostState(s.Name, s.Address)).ToList()) { Site = site };
        state.Save(options.StateFile); // from here on, down can clean whatever exists
        try
        {
            await EnsureKeyPairAsync(cancellation);
            await EnsureBridgeAsync(cancellation);
            EnsureInotifyFor(count);
            File.WriteAllText(options.KnownHostsFile, "");
            foreach (var spec in specs)
                await PrepareHostAsync(new LabHostSpec(spec.Name, spec.Address, specs, options.BridgeAddress), image, cancellation);

            var hosts = await BootInWavesAsync(specs, state, cancellation);
            var timings = hosts.Select(h => h.Timing).ToList();
            // The host's init is nspawn's child: recorded so a crashed nspawn's orphaned host can still be stopped by its PID.
            state = state with { Hosts = hosts.Select(h => WithInit(h.Host)).ToList() };
            state.Save(options.StateFile);
            await ObjectStore().StartAsync(cancellation); // on the bridge address: before the site, which carries its CA
            WriteSite(state, site, await LabRepository.EnsureAsync(options, _log, cancellation));
            return new LabUpResult(image, built, total.Elapsed, timings, site, AlreadyUp: false);
        }
        catch
        {
            _log("lab up failed: taking down what it started");
            try { await DownAsync(CancellationToken.None); } catch (Exception e) { _log($"cleanup after the failure also failed: {e.Message}"); }
            throw;
        }
    }

    /// <summary>What `lab up --recreate` is about to delete, said before it does.</summary>
    private string WhatRecreateDeletes(LabState? existing) =>
        existing is null
            ? $"--recreate: deleting the leftovers of lab '{options.Name}' ({options.LabDirectory}, bridge {options.Bridge}) before building it again"
            : $"--recreate: deleting lab '{options.Name}': {existing.Hosts.Count} host(s) ({string.Join(", ", existing.Hosts.Select(h => h.Name))}) with their disks " +
              $"and everything deployed on them, {(existing.Site is { } s ? $"the site {s} if it lies under {options.LabDirectory} (its vault password, secrets and CA), " : "")}" +
              $"the lab key and bridge {existing.Bridge}; then building it again";

    /// <summary>
    /// `lab up` on a lab that exists: boots the hosts that are down (a crash drill's, or all of them after the machine
    /// restarted), waits for SSH on the ones that run, and keeps the rest as it is. A site that exists is kept as written
    /// (its vault password, secrets, CA and any edit); a missing one is written. A different host count is refused.
    /// </summary>
    private async Task<LabUpResult> ResumeAsync(LabState existing, int? hostCount, string? siteDirectory, Stopwatch total, CancellationToken cancellation)
    {
        if (hostCount is { } wanted && wanted != existing.Hosts.Count)
            throw new LabException($"lab '{options.Name}' has {existing.Hosts.Count} host(s) ({string.Join(", ", existing.Hosts.Select(h => h.Name))}); --hosts {wanted} asks for another size. " +
                                   $"lab up never rebuilds a lab. Fix: `datalyptica lab add-host` {(wanted > existing.Hosts.Count ? "to grow it" : "or `lab remove-host` to resize it")}, " +
                                   $"or `datalyptica lab up --recreate --hosts {wanted}`, which deletes its hosts, their data and its site first.");
        var site = siteDirectory ?? existing.Site ?? Path.Combine(options.LabDirectory, "site");
        var statuses = await StatusAsync(cancellation);
        // A host whose init is gone is down even while its nspawn is still exiting (a crash drill KILLs the init).
        var initGone = existing.Hosts.Where(h => h.InitPid is not null && !LabSystem.IsSame(h.InitPid, h.InitPidStart)).Select(h => h.Name).ToHashSet();
        var down = statuses.Where(s => !s.Running || initGone.Contains(s.Host)).Select(s => s.Host).ToList();
        var timings = new List<LabHostTiming>();
        if (down.Count > 0)
        {
            _log($"lab '{options.Name}': booting {down.Count} host(s) that are down ({string.Join(", ", down)}); the others keep running, every disk is kept");
            var booting = Stopwatch.StartNew();
            foreach (var h in await StartHostsAgainAsync(down, cancellation))
                timings.Add(new LabHostTiming(h.Name, h.Address, booting.Elapsed));
        }
        // A host that runs but did not answer may still be booting: give it the same SSH wait as a fresh host.
        var state = LabState.Load(options.StateFile)!;
        foreach (var silent in statuses.Where(s => !down.Contains(s.Host) && !s.SshOk))
        {
            try { await WaitForSshAsync(state.Hosts.Single(h => h.Name == silent.Host), cancellation); }
            catch (LabException e)
            {
                throw new LabException($"lab host {silent.Host} runs but does not answer SSH ({silent.SshError}; {e.Message}). lab up keeps running hosts as they are. " +
                                       $"Fix: look at {options.LogFile(silent.Host)}, or `datalyptica lab down` and `lab up` to build the lab again.");
            }
        }
        await ObjectStore().StartAsync(cancellation); // no-op when it runs; its CA goes into a new site
        if (File.Exists(Path.Combine(site, "hosts.yml"))) _log($"site kept as it is: {site}");
        else WriteSite(state, site, await LabRepository.EnsureAsync(options, _log, cancellation));
        return new LabUpResult(state.Image, null, total.Elapsed, timings, site, AlreadyUp: down.Count == 0, Existing: true);
    }

    private async Task EnsureKeyPairAsync(CancellationToken cancellation)
    {
        if (File.Exists(options.PrivateKeyFile) && File.Exists(options.PrivateKeyFile + ".pub")) return;
        File.Delete(options.PrivateKeyFile);
        File.Delete(options.PrivateKeyFile + ".pub");
        await LabSystem.RunCheckedAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", $"datalyptica-lab-{options.Name}", "-f", options.PrivateKeyFile], cancellation);
    }

    private async Task EnsureBridgeAsync(CancellationToken cancellation)
    {
        if (!LabSystem.LinkExists(options.Bridge))
            await LabSystem.RunCheckedAsync("ip", ["link", "add", options.Bridge, "type", "bridge"], cancellation);
        var addresses = await LabSystem.RunCheckedAsync("ip", ["-4", "-o", "addr", "show", "dev", options.Bridge], cancellation);
        if (!addresses.Contains($" {options.BridgeAddress}/24", StringComparison.Ordinal))
            await LabSystem.RunCheckedAsync("ip", ["addr", "add", $"{options.BridgeAddress}/24", "dev", options.Bridge], cancellation);
        await LabSystem.RunCheckedAsync("ip", ["link", "set", options.Bridge, "up"], cancellation);
        // No NAT and no route out: hosts get no gateway, and nothing here forwards the bridge anywhere.
    }

    private async Task PrepareHostAsync(LabHostSpec spec, string image, CancellationToken cancellation)
    {
        var dir = options.HostDirectory(spec.Name);
        var merged = options.MergedDirectory(spec.Name);
        foreach (var d in new[] { "upper", "work", "merged" }) Directory.CreateDirectory(Path.Combine(dir, d));
        await LabSystem.RunCheckedAsync("mount", ["-t", "overlay", "overlay", "-o",
            $"lowerdir={image},upperdir={Path.Combine(dir, "upper")},workdir={Path.Combine(dir, "work")}", merged], cancellation);
        string P(string relative) => Path.Combine(merged, relative);
        foreach (var (path, content) in LabHostFiles.Render(spec))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(P(path))!);
            if (new FileInfo(P(path)).LinkTarget is not null) File.Delete(P(path));
            File.WriteAllText(P(path), content);
        }
        File.WriteAllText(P("etc/machine-id"), LabHostFiles.NewMachineId());
        var ssh = P("root/.ssh");
        Directory.CreateDirectory(ssh);
        File.SetUnixFileMode(ssh, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(ssh, "authorized_keys"), File.ReadAllText(options.PrivateKeyFile + ".pub"));
        File.SetUnixFileMode(Path.Combine(ssh, "authorized_keys"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var hostKey = P("etc/ssh/ssh_host_ed25519_key");
        await LabSystem.RunCheckedAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", $"root@{spec.Name}", "-f", hostKey], cancellation);
        File.AppendAllText(options.KnownHostsFile, LabHostFiles.KnownHostsLine(spec, File.ReadAllText(hostKey + ".pub")));
    }

    /// <summary>The cgroup hierarchies a host's launcher joins: the named systemd one and the unified one (hybrid), or the v2 root.</summary>
    private static IReadOnlyList<string> CgroupRoots()
    {
        if (File.Exists("/sys/fs/cgroup/cgroup.controllers")) return ["/sys/fs/cgroup"];
        return new[] { "/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified" }.Where(d => File.Exists(Path.Combine(d, "cgroup.procs"))).ToList();
    }

    // Moves itself into the host's cgroups, then starts nspawn in a new session (not a group leader, so setsid
    // does not fork) and prints its PID. The launcher exits; nspawn keeps running, re-parented.
    private const string Launcher = """
        log="$1"; shift; n="$1"; shift; i=0
        while [ "$i" -lt "$n" ]; do echo $$ > "$1/cgroup.procs" || exit 3; shift; i=$((i+1)); done
        setsid "$@" </dev/null >"$log" 2>&1 &
        echo $!
        """;

    /// <summary>
    /// Every lab host's systemd holds several inotify instances, all counted against root on this control node. Debian's
    /// limit of 128 instances stopped the 22nd of 50 hosts ("Failed to allocate manager object: Too many open files",
    /// 2026-12-07), so a large lab raises it, with room for other labs and the control node's own services.
    /// </summary>
    private void EnsureInotifyFor(int hostCount)
    {
        var wanted = 1024 + 16L * hostCount;
        if (LabSystem.RaiseKernelSetting("fs.inotify.max_user_instances", wanted) is { } old)
            _log($"raised fs.inotify.max_user_instances on this machine from {old} to {wanted}: each lab host's systemd holds several (until reboot)");
    }

    /// <summary>
    /// Starts the hosts with at most <see cref="LabOptions.BootingAtOnce"/> booting at a time: 50 hosts started together
    /// on 2 cores left some without sshd after 90 s (measured 2026-12-07), while a host alone boots in a few seconds.
    /// Each host's SSH deadline counts from its own start. The state file gets every PID as soon as it exists, so a
    /// failure part-way can still be taken down; the first failure stops the hosts not yet started.
    /// </summary>
    private async Task<IReadOnlyList<(LabHostState Host, LabHostTiming Timing)>> BootInWavesAsync(
        IReadOnlyList<(string Name, string Address)> specs, LabState state, CancellationToken cancellation)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        using var booting = new SemaphoreSlim(options.BootingAtOnce);
        var started = new LabHostState?[specs.Count];
        var saving = new object();
        return await Task.WhenAll(specs.Select(async (spec, i) =>
        {
            await booting.WaitAsync(failed.Token);
            try
            {
                var clock = Stopwatch.StartNew();
                var pid = await StartHostAsync(spec.Name, failed.Token);
                var host = new LabHostState(spec.Name, spec.Address) { Pid = pid, PidStart = LabSystem.StartTime(pid) };
                lock (saving)
                {
                    started[i] = host;
                    (state with { Hosts = state.Hosts.Select((h, j) => started[j] ?? h).ToList() }).Save(options.StateFile);
                }
                await WaitForSshAsync(host, failed.Token);
                return (host, new LabHostTiming(spec.Name, spec.Address, clock.Elapsed));
            }
            catch
            {
                failed.Cancel();
                throw;
            }
            finally
            {
                booting.Release();
            }
        }));
    }

    private async Task<int> StartHostAsync(string host, CancellationToken cancellation)
    {
        var cgroups = CgroupRoots().Select(r => Path.Combine(r, options.CgroupPath(host))).ToList();
        foreach (var cg in cgroups) Directory.CreateDirectory(cg);
        var nspawn = LabSystem.FindTool("systemd-nspawn")!;
        var output = await LabSystem.RunCheckedAsync("sh", ["-c", Launcher, "lab-launch", options.LogFile(host), cgroups.Count.ToString(),
            .. cgroups, nspawn, "-D", options.MergedDirectory(host), "--boot", "--register=no", "--keep-unit",
            $"--network-bridge={options.Bridge}", "-M", options.MachineName(host), $"--hostname={host}", "--resolv-conf=off", "--link-journal=no"], cancellation);
        if (!int.TryParse(output.Trim(), out var pid)) throw new LabException($"starting host {host} printed no PID: '{output.Trim()}'");
        return pid;
    }

    private async Task WaitForSshAsync(LabHostState host, CancellationToken cancellation)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (!LabSystem.IsSame(host.Pid, host.PidStart))
                throw new LabException($"host {host.Name} stopped while booting. Its console log: {options.LogFile(host.Name)} " +
                    $"(last lines: {LabSystem.Tail(SafeRead(options.LogFile(host.Name)))})");
            if (await PortOpenAsync(host.Address, 22, cancellation)) break;
            if (deadline.Elapsed > options.SshWait)
                throw new LabException($"host {host.Name} ({host.Address}) did not answer on port 22 within {options.SshWait.TotalSeconds:0} s. " +
                    $"Its console log: {options.LogFile(host.Name)} (last lines: {LabSystem.Tail(SafeRead(options.LogFile(host.Name)))})");
            await Task.Delay(100, cancellation);
        }
        // Strict: the key must be the one the lab generated and recorded.
        var (ok, error) = await CheckSshAsync(host, cancellation, attempts: 5);
        if (!ok) throw new LabException($"host {host.Name} ({host.Address}) answers on port 22 but SSH failed: {error}");
    }

    private static string SafeRead(string path) { try { return File.ReadAllText(path); } catch (IOException) { return ""; } }

    private static async Task<bool> PortOpenAsync(string address, int port, CancellationToken cancellation)
    {
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(500));
        try
        {
            await client.ConnectAsync(address, port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellation.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The lab's S3 server (s3rver, a test double) on the bridge address; started by up, stopped by down.</summary>
    public ObjectStore.LabObjectStore ObjectStore() => new(Lab.ObjectStore.LabObjectStoreOptions.ForLab(options), _log);

    public HostConnection Connection(LabHostState host) => new(host.Name, host.Address)
    {
        PrivateKeyFile = options.PrivateKeyFile,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        CommandTimeout = TimeSpan.FromSeconds(30),
    };

    public SshTransportOptions SshOptions(int attempts = 1) => new()
    {
        KnownHostsFile = options.KnownHostsFile,
        ConnectAttempts = attempts,
        RetryBackoff = TimeSpan.FromMilliseconds(300),
    };

    private async Task<(bool Ok, string? Error)> CheckSshAsync(LabHostState host, CancellationToken cancellation, int attempts = 1)
    {
        try
        {
            await using var ssh = await SshTransport.ConnectAsync(Connection(host), SshOptions(attempts), cancellation);
            var result = await ssh.RunAsync(RemoteCommand.Shell("hostname"), cancellation);
            if (!result.Succeeded) return (false, $"`hostname` exited {result.ExitCode}: {result.Stderr.Trim()}");
            if (result.Stdout.Trim() != host.Name) return (false, $"the host calls itself '{result.Stdout.Trim()}', not '{host.Name}'");
            return (true, null);
        }
        catch (TransportException e)
        {
            return (false, e.Message);
        }
    }

    public async Task<IReadOnlyList<LabHostStatus>> StatusAsync(CancellationToken cancellation)
    {
        var state = LabState.Load(options.StateFile);
        if (state is null) return [];
        return await Task.WhenAll(state.Hosts.Select(async h =>
        {
            var running = LabSystem.IsSame(h.Pid, h.PidStart);
            var (ok, error) = running ? await CheckSshAsync(h, cancellation) : (false, "not running");
            return new LabHostStatus(h.Name, h.Address, h.Pid, running, ok, error);
        }));
    }

    /// <summary>
    /// Boots one host of a running lab again after it stopped (a crash drill KILLs its init): the same start path as up,
    /// then SSH, then its new PIDs recorded in the state file. Refuses a host whose nspawn or init still runs.
    /// </summary>
    public async Task<LabHostState> StartHostAgainAsync(string host, CancellationToken cancellation) =>
        (await StartHostsAgainAsync([host], cancellation)).Single();

    /// <summary>
    /// Boots several stopped hosts at once (power back after a power loss): every nspawn started before any SSH wait, so
    /// they boot together; the state file written once. Refuses any host whose nspawn or init still runs, before starting one.
    /// </summary>
    public async Task<IReadOnlyList<LabHostState>> StartHostsAgainAsync(IReadOnlyList<string> names, CancellationToken cancellation)
    {
        RequirePreconditions();
        var state = LabState.Load(options.StateFile) ?? throw new LabException($"lab '{options.Name}' is not up ({options.StateFile} is missing). Fix: `datalyptica lab up`.");
        var indexes = new List<int>();
        foreach (var host in names)
        {
            var index = state.Hosts.ToList().FindIndex(h => h.Name == host);
            if (index < 0) throw new LabException($"no host '{host}' in lab '{options.Name}' (hosts: {string.Join(", ", state.Hosts.Select(h => h.Name))}).");
            var old = state.Hosts[index];
            // nspawn exits once its init is gone; wait for that so the veth and the machine name are free again.
            if (old.Pid is { } oldPid && old.PidStart is { } oldStart && !await WaitGoneAsync(oldPid, oldStart, TimeSpan.FromSeconds(20)))
                throw new LabException($"host {host} is still running (nspawn PID {oldPid}); stop it first (`datalyptica lab down` stops every host).");
            if (LabSystem.IsSame(old.InitPid, old.InitPidStart))
                throw new LabException($"host {host}'s init (PID {old.InitPid}) still runs without its nspawn; stop it by that PID first.");
            indexes.Add(index);
        }
        var hosts = state.Hosts.ToList();
        foreach (var index in indexes)
        {
            var pid = await StartHostAsync(hosts[index].Name, cancellation);
            hosts[index] = hosts[index] with { Pid = pid, PidStart = LabSystem.StartTime(pid), InitPid = null, InitPidStart = null };
        }
        await Task.WhenAll(indexes.Select(i => WaitForSshAsync(hosts[i], cancellation)));
        foreach (var index in indexes) hosts[index] = WithInit(hosts[index]);
        (state with { Hosts = hosts }).Save(options.StateFile);
        return indexes.Select(i => hosts[i]).ToList();
    }

    /// <summary>
    /// The host with its init recorded: nspawn's child, kept with its start time so a crashed nspawn's orphaned host can
    /// still be stopped by its own PID.
    /// </summary>
    private static LabHostState WithInit(LabHostState host)
    {
        var init = LabSystem.Children(host.Pid!.Value).Cast<int?>().FirstOrDefault();
        return host with { InitPid = init, InitPidStart = init is { } p ? LabSystem.StartTime(p) : null };
    }

    /// <summary>The lab's network faults (partitions for the drills), healed by <see cref="DownAsync"/>.</summary>
    public LabNetworkFaults NetworkFaults() => new(options);

    /// <summary>
    /// Boots one more host into a running lab without touching the others: the next name and address (lab04 on .14 after
    /// three), the same image and start path as up, its key appended to the lab's known_hosts and to the site's. The lab
    /// site's inventory is not changed: `datalyptica hosts add` puts the host into the site. A host that does not come up
    /// is stopped and forgotten again.
    /// </summary>
    public async Task<LabHostState> AddHostAsync(CancellationToken cancellation)
    {
        RequirePreconditions();
        var state = LabState.Load(options.StateFile) ?? throw new LabException($"lab '{options.Name}' is not up ({options.StateFile} is missing). Fix: `datalyptica lab up`.");
        var index = Enumerable.Range(0, state.Hosts.Count + 1).First(i => state.Hosts.All(h => h.Name != LabOptions.HostName(i)));
        var name = LabOptions.HostName(index);
        if (index >= LabOptions.MaxHosts)
            throw new LabException($"lab '{options.Name}' has {state.Hosts.Count} hosts; the next would take the VIPs' address .{LabOptions.FirstVipOctet}. Fix: remove a host first (`lab remove-host`).");
        var address = options.HostAddress(index).ToString();
        if (state.Hosts.Any(h => h.Address == address))
            throw new LabException($"the next address {address} is taken in lab '{options.Name}' (state file {options.StateFile}).");
        var specs = state.Hosts.Select(h => (h.Name, h.Address)).Append((name, address)).ToList();
        var added = new LabHostState(name, address);
        state = state with { Hosts = [.. state.Hosts, added] };
        state.Save(options.StateFile); // from here on, remove-host and down can clean whatever exists
        try
        {
            await PrepareHostAsync(new LabHostSpec(name, address, specs, options.BridgeAddress), state.Image, cancellation);
            var pid = await StartHostAsync(name, cancellation);
            added = added with { Pid = pid, PidStart = LabSystem.StartTime(pid) };
            state = state.WithHost(added);
            state.Save(options.StateFile);
            await WaitForSshAsync(added, cancellation);
            added = WithInit(added);
            state.WithHost(added).Save(options.StateFile);
            if (state.Site is { } site && File.Exists(Path.Combine(site, "known_hosts")))
                File.AppendAllLines(Path.Combine(site, "known_hosts"), KnownHostLines(name));
            RegisterNames(state.Hosts.Select(h => (h.Name, h.Address)).ToList());
            return added;
        }
        catch
        {
            _log($"host {name} did not come up: stopping it and leaving the other hosts as they were");
            try { await RemoveHostAsync(name, CancellationToken.None); } catch (Exception e) { _log($"cleanup of {name} also failed: {e.Message}"); }
            throw;
        }
    }

    /// <summary>
    /// Stops one host by its own PIDs and removes its overlay, cgroup, state entry and known_hosts lines (the lab's and the
    /// site's); the other hosts keep running. Take it out of the site first (`datalyptica hosts remove`).
    /// </summary>
    public async Task RemoveHostAsync(string host, CancellationToken cancellation)
    {
        if (!LabSystem.IsRoot()) throw new LabException("the lab needs root. Fix: run as root.");
        var state = LabState.Load(options.StateFile) ?? throw new LabException($"lab '{options.Name}' is not up ({options.StateFile} is missing).");
        var h = state.Hosts.FirstOrDefault(x => x.Name == host)
            ?? throw new LabException($"no host '{host}' in lab '{options.Name}' (hosts: {string.Join(", ", state.Hosts.Select(x => x.Name))}).");
        await StopHostAsync(h.Name, h.Pid, h.PidStart, h.InitPid, h.InitPidStart);
        foreach (var (pid, stray) in StrayNspawns().Where(s => s.Host == host))
            await StopHostAsync(stray, pid, LabSystem.StartTime(pid), null, null);
        var dir = options.HostDirectory(host);
        if (Directory.Exists(dir))
        {
            await UnmountAllUnderAsync(dir, cancellation);
            if (LabSystem.MountsUnder(dir).Count > 0)
                throw new LabException($"mounts remain under {dir}; not deleting it. Fix: unmount them (see /proc/self/mountinfo) and run remove-host again.");
            Directory.Delete(dir, recursive: true);
        }
        foreach (var root in CgroupRoots()) RemoveCgroupTree(Path.Combine(root, options.CgroupPath(host)));
        var remaining = state.Hosts.Where(x => x.Name != host).ToList();
        (state with { Hosts = remaining }).Save(options.StateFile);
        RegisterNames(remaining.Select(x => (x.Name, x.Address)).ToList());
        foreach (var knownHosts in new[] { options.KnownHostsFile, state.Site is { } site ? Path.Combine(site, "known_hosts") : null })
            if (knownHosts is not null && File.Exists(knownHosts))
                File.WriteAllLines(knownHosts, File.ReadAllLines(knownHosts).Where(l => !l.StartsWith(host + ",", StringComparison.Ordinal)));
    }

    /// <summary>
    /// The lab's stand-in for DNS: every running host's /etc/hosts names exactly <paramref name="hosts"/> (the lab has no
    /// name server; a real estate registers a new host in its DNS). Written through the host's overlay, which its own
    /// root mounts; no service is touched.
    /// </summary>
    private void RegisterNames(IReadOnlyList<(string Name, string Address)> hosts)
    {
        foreach (var (name, address) in hosts)
        {
            var path = Path.Combine(options.MergedDirectory(name), "etc", "hosts");
            if (!File.Exists(path) || new FileInfo(path).LinkTarget is not null) continue;
            IO.AtomicFile.Write(path, LabHostFiles.Hosts(new LabHostSpec(name, address, hosts, options.BridgeAddress)));
        }
    }

    /// <summary>The lab known_hosts lines of one host (written by <see cref="PrepareHostAsync"/>).</summary>
    private IEnumerable<string> KnownHostLines(string host) =>
        File.ReadAllLines(options.KnownHostsFile).Where(l => l.StartsWith(host + ",", StringComparison.Ordinal));

    /// <summary>
    /// Stops every host by its own PID (TERM: clean poweroff; after a grace, KILL of its init, then of nspawn),
    /// unmounts the overlays, removes cgroups, the bridge and the lab folder. The cached image stays. Safe to repeat.
    /// </summary>
    public async Task<LabDownResult> DownAsync(CancellationToken cancellation)
    {
        if (!LabSystem.IsRoot()) throw new LabException("the lab needs root. Fix: run as root, e.g. `sudo datalyptica lab down`.");
        var state = LabState.Load(options.StateFile);
        int stopped = 0, killed = 0;
        var targets = new List<(string Name, int? Pid, long? Start, int? Init, long? InitStart)>();
        foreach (var h in state?.Hosts ?? [])
            targets.Add((h.Name, h.Pid, h.PidStart, h.InitPid, h.InitPidStart));
        // nspawn processes running on THIS lab's overlays that the state does not know (a crash between start and save).
        foreach (var (pid, host) in StrayNspawns())
            if (!targets.Any(t => t.Pid == pid)) targets.Add((host, pid, LabSystem.StartTime(pid), null, null));

        foreach (var result in await Task.WhenAll(targets.Select(t => StopHostAsync(t.Name, t.Pid, t.Start, t.Init, t.InitStart))))
        {
            if (result == StopOutcome.Stopped) stopped++;
            if (result == StopOutcome.Killed) killed++;
        }

        await ObjectStore().StopAsync(cancellation); // by its recorded PID; its data goes with the lab folder
        if (await NetworkFaults().HealAsync(cancellation)) _log("removed a network fault a drill left in place");
        if (state is not null) await LabDrLink.UnlinkAsync(state, options.Name, cancellation);

        var unmounted = Directory.Exists(options.LabDirectory) ? await UnmountAllUnderAsync(options.LabDirectory, cancellation) : 0;
        foreach (var root in CgroupRoots()) RemoveCgroupTree(Path.Combine(root, "datalyptica-lab", options.Name));

        var bridge = state?.Bridge ?? options.Bridge;
        var bridgeRemoved = false;
        if (LabSystem.LinkExists(bridge))
        {
            await LabSystem.RunCheckedAsync("ip", ["link", "del", bridge], cancellation);
            bridgeRemoved = true;
        }
        var stateRemoved = state is not null;
        if (Directory.Exists(options.LabDirectory))
        {
            if (LabSystem.MountsUnder(options.LabDirectory).Count > 0)
                throw new LabException($"mounts remain under {options.LabDirectory}; not deleting it. Fix: unmount them (see /proc/self/mountinfo) and run `lab down` again.");
            Directory.Delete(options.LabDirectory, recursive: true);
        }
        return new LabDownResult(stopped, killed, unmounted, bridgeRemoved, stateRemoved);
    }

    /// <summary>Unmounts every mount under <paramref name="directory"/> (lazily when a plain umount is refused); returns how many.</summary>
    private static async Task<int> UnmountAllUnderAsync(string directory, CancellationToken cancellation)
    {
        var unmounted = 0;
        foreach (var mount in LabSystem.MountsUnder(directory))
        {
            var result = await LabSystem.RunAsync("umount", [mount], cancellation);
            if (!result.Succeeded) await LabSystem.RunCheckedAsync("umount", ["-l", mount], cancellation);
            unmounted++;
        }
        return unmounted;
    }

    private enum StopOutcome { NotRunning, Stopped, Killed }

    private async Task<StopOutcome> StopHostAsync(string name, int? pid, long? start, int? init, long? initStart)
    {
        var outcome = StopOutcome.NotRunning;
        if (LabSystem.IsSame(pid, start))
        {
            // The init as it is now (nspawn's child), in case the state did not record it yet.
            var currentInit = LabSystem.Children(pid!.Value).FirstOrDefault();
            if (init is null && currentInit != 0) { init = currentInit; initStart = LabSystem.StartTime(currentInit); }
            LabSystem.Signal(pid.Value, LabSystem.SigTerm);
            outcome = StopOutcome.Stopped;
            if (!await WaitGoneAsync(pid.Value, start!.Value, TimeSpan.FromSeconds(20)))
            {
                _log($"host {name} did not power off within 20 s: killing its init ({init}) and nspawn ({pid})");
                if (LabSystem.IsSame(init, initStart)) LabSystem.Signal(init!.Value, LabSystem.SigKill);
                if (LabSystem.IsSame(pid, start)) LabSystem.Signal(pid.Value, LabSystem.SigKill);
                await WaitGoneAsync(pid.Value, start.Value, TimeSpan.FromSeconds(10));
                outcome = StopOutcome.Killed;
            }
        }
        // A KILLed nspawn leaves its init running (re-parented): stop that one by its own PID too.
        if (LabSystem.IsSame(init, initStart))
        {
            LabSystem.Signal(init!.Value, LabSystem.SigKill);
            await WaitGoneAsync(init.Value, initStart!.Value, TimeSpan.FromSeconds(10));
            outcome = StopOutcome.Killed;
        }
        return outcome;
    }

    private static async Task<bool> WaitGoneAsync(int pid, long start, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (LabSystem.IsSame(pid, start))
        {
            if (clock.Elapsed > within) return false;
            await Task.Delay(100);
        }
        return true;
    }

    /// <summary>systemd-nspawn processes whose -D is one of this lab's overlay roots.</summary>
    public IReadOnlyList<(int Pid, string Host)> StrayNspawns()
    {
        var hostsDir = Path.Combine(options.LabDirectory, "hosts") + "/";
        var found = new List<(int, string)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string[] argv;
            try { argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0'); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            if (argv.Length < 3 || !Path.GetFileName(argv[0]).Equals("systemd-nspawn", StringComparison.Ordinal)) continue;
            var d = Array.IndexOf(argv, "-D");
            if (d < 0 || d + 1 >= argv.Length || !argv[d + 1].StartsWith(hostsDir, StringComparison.Ordinal)) continue;
            found.Add((pid, Path.GetFileName(Path.GetDirectoryName(argv[d + 1])!)));
        }
        return found;
    }

    private static void RemoveCgroupTree(string path)
    {
        if (!Directory.Exists(path)) return;
        foreach (var child in Directory.EnumerateDirectories(path)) RemoveCgroupTree(child);
        try { Directory.Delete(path, recursive: false); } // rmdir: a cgroup's files are not real files
        catch (IOException) { /* still has processes: left for the next down */ }
        var parent = Path.GetDirectoryName(path)!;
        if (Path.GetFileName(parent) == "datalyptica-lab" && !Directory.EnumerateDirectories(parent).Any())
            try { Directory.Delete(parent, recursive: false); } catch (IOException) { }
    }

    /// <summary>The port apply serves the offline repository on, on the lab bridge address.</summary>
    public const int RepositoryPort = 8080;

    /// <summary>
    /// A ready site for the hosts: the `lab` profile (the HA core) mapped onto the lab's names and addresses, two VIPs on
    /// the bridge, the lab's S3 server as the object store, secrets vault-encrypted with the lab's own password (kept
    /// when the site is written again, like init --force), the lab key, and the lab's known_hosts next to it (plan and
    /// apply use SITE/known_hosts). Hosts beyond the profile's 3 are plain OS-base hosts.
    /// </summary>
    /// <param name="packagePins">The versions lab hosts start on (<see cref="LabRepository.StartPins"/>), written as the block
    /// `datalyptica upgrade` maintains, so the lab's upgrade moves them like any site's.</param>
    public void WriteSite(LabState state, string directory, IReadOnlyDictionary<string, string>? packagePins = null)
    {
        if (new[] { options.JupyterHub, options.StandIns, options.EtcdApart }.Count(v => v) > 1)
            throw new LabException("a lab has one variant: JupyterHub from Debian's package, every component from stand-ins, or etcd on hosts of its own, not two.");
        var profile = options.StandIns ? Profiles.BuiltInProfiles.LabWithStandIns
            : options.JupyterHub ? Profiles.BuiltInProfiles.LabWithJupyterHub
            : options.EtcdApart ? Profiles.BuiltInProfiles.LabWithEtcdApart : Profiles.BuiltInProfiles.Lab;
        var expanded = Profiles.ProfileExpander.Expand(profile, $"lab-{state.Name}");
        var hosts = state.Hosts.Select((h, i) => i < expanded.Hosts.Count && !options.BareSite
                ? expanded.Hosts[i] with { Name = h.Name, Address = System.Net.IPAddress.Parse(h.Address), Disks = [new Disk("/", 40)] }
                : new Model.Host(h.Name, System.Net.IPAddress.Parse(h.Address), Tier.Catalog, 2, 6, [new Disk("/", 40)], []))
            .ToList();
        if (hosts.Count < expanded.Hosts.Count && !options.BareSite)
            throw new LabException($"the lab profile needs {expanded.Hosts.Count} hosts for its quorums; lab '{state.Name}' has {hosts.Count}. Fix: `datalyptica lab up --hosts {expanded.Hosts.Count}`.");
        // The VIPs move onto the bridge: .100 and .101 are outside the hosts' range (.11-.99).
        var vips = options.BareSite ? [] : expanded.Vips.Select((v, i) => v with { Address = System.Net.IPAddress.Parse($"{options.Subnet}.{LabOptions.FirstVipOctet + i}") }).ToList();
        var store = ObjectStore();
        var objectStore = store.Options.SiteObjectStore(store.CaCertificatePem());
        // Lab hosts install Debian 12's packages: PostgreSQL is 15 there (the seed pins 16 for artifact installs).
        var site = LabRepository.WithDebianPostgres(expanded) with { Hosts = hosts, Vips = vips, ObjectStore = objectStore, Domain = LabHostFiles.Domain };
        // JupyterHub installs Debian 12's package: 3.0, not the artifact's pinned 5.2.
        if (options.JupyterHub)
            site = site with { Versions = new Dictionary<string, string>(site.Versions) { ["jupyterhub"] = Components.JupyterHub.JupyterHubSettings.DebianVersion } };

        Directory.CreateDirectory(directory);
        var knownHosts = Path.Combine(Path.GetFullPath(directory), "known_hosts");
        var labNetwork = $"{options.Subnet}.0/24";
        var vars = new Dictionary<string, InventoryValue>
        {
            ["ansible_user"] = InventoryValue.From("root"),
            ["ansible_ssh_private_key_file"] = InventoryValue.From(options.PrivateKeyFile),
            ["ansible_ssh_common_args"] = InventoryValue.From($"-o StrictHostKeyChecking=yes -o UserKnownHostsFile={knownHosts}"),
            // nspawn hosts: chrony gets its container drop-in (no CAP_SYS_TIME), vm.* keys are not applicable.
            [Components.OsBaseLayer.Chrony.ContainerKey] = InventoryValue.From(true),
            // No route out: apply serves the offline repository (built by lab up, LabRepository) on the bridge.
            [Engine.Repository.AptSource.RepositoryListenKey] = InventoryValue.From($"{state.BridgeAddress}:{RepositoryPort}"),
            [Engine.Repository.AptSource.RepositoryDirKey] = InventoryValue.From(options.RepositoryDirectory),
            // Clients, operators and the control node all sit on the bridge.
            [Components.OsBaseLayer.FirewallPolicy.ClientNetworksKey] = InventoryValue.From(new[] { labNetwork }),
            [Components.OsBaseLayer.FirewallPolicy.AdminNetworksKey] = InventoryValue.From(new[] { labNetwork }),
            // The machine's hard open-files limit (20,000 here) caps every lab host; HAProxy needs about 2 per connection.
            [Components.HAProxy.HAProxySettings.MaxConn.Key] = InventoryValue.From(4000),
            [Components.Keepalived.KeepalivedSettings.Interface.Key] = InventoryValue.From("host0"),
            // Retention by count, so a test can prove expire deletes objects without waiting days.
            [Components.PostgreSQL.PostgreSQLSettings.RetentionFullType.Key] = InventoryValue.From("count"),
            [Components.PostgreSQL.PostgreSQLSettings.RetentionFull.Key] = InventoryValue.From(2),
        };

        // A DR pair (`lab dr-link`): the primary admits the standby's subnet; the standby streams from the primary's VIP.
        if (state.Dr is { Role: LabDrPeer.PrimaryRole } admits)
            vars[Components.Patroni.PatroniStandbySite.StandbyNetworks.Key] = InventoryValue.From(new[] { $"{admits.PeerSubnet}.0/24" });
        if (state.Dr is { Role: LabDrPeer.StandbyRole } follows)
        {
            site = site with { Role = SiteRole.Standby };
            vars[Components.Patroni.PatroniStandbySite.PrimaryAddress.Key] = InventoryValue.From(follows.PeerVip);
        }

        var passwordFile = Path.Combine(directory, SiteLoader.SiteVaultPasswordFile);
        Secrets.Secret password;
        IReadOnlyDictionary<string, Secrets.Secret> kept = new Dictionary<string, Secrets.Secret>();
        if (File.Exists(passwordFile))
        {
            password = new Secrets.Secret(File.ReadAllText(passwordFile).Trim());
            if (File.Exists(Path.Combine(directory, "hosts.yml"))) kept = SiteWriter.ReadSecrets(directory, password);
        }
        else
        {
            password = new Secrets.Secret(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
            IO.AtomicFile.Write(passwordFile, password.Reveal() + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        var secrets = SiteWriter.GenerateSecrets(site).ToDictionary(s => s.Key, s => kept.GetValueOrDefault(s.Key) ?? s.Value);
        // s3rver has one account: its key id is fixed (the secret key is never checked; see Lab/ObjectStore/README.md).
        secrets[objectStore.AccessKey.VarName] = new Secrets.Secret(Lab.ObjectStore.LabObjectStoreOptions.AccessKeyId);
        if (state.Dr is { Role: LabDrPeer.StandbyRole } source)
            foreach (var (key, value) in PrimarySecrets(source, site)) secrets[key] = value;
        SiteWriter.Write(directory, site, secrets, password, profile.Name, vars);
        if (!options.BareSite && packagePins is { Count: > 0 })
            PackagePinRecord.Record(directory, new Dictionary<string, string>(), packagePins,
                dir => Engine.Repository.PackagePins.Of(SiteLoader.Load(dir, () => password).Site ?? throw new LabException($"the lab site {dir} does not load")));
        File.Copy(options.KnownHostsFile, knownHosts, overwrite: true);
    }

    /// <summary>The primary lab's PostgreSQL passwords (<see cref="Components.Patroni.PatroniStandbySite.SharedSecretKeys"/>), read from its site.</summary>
    private IEnumerable<KeyValuePair<string, Secrets.Secret>> PrimarySecrets(LabDrPeer primary, Site standbySite)
    {
        var peer = options with { Name = primary.Peer };
        var peerSite = LabState.Load(peer.StateFile)?.Site
            ?? throw new LabException($"lab '{primary.Peer}' (this lab's DR primary) is not up. Fix: `datalyptica lab up --name {primary.Peer}` or `lab down` this lab.");
        var password = new Secrets.Secret(File.ReadAllText(Path.Combine(peerSite, SiteLoader.SiteVaultPasswordFile)).Trim());
        var theirs = SiteWriter.ReadSecrets(peerSite, password);
        return Components.Patroni.PatroniStandbySite.SharedSecretKeys(standbySite)
            .Select(key => KeyValuePair.Create(key, theirs.GetValueOrDefault(key) ?? throw new LabException($"lab '{primary.Peer}''s site has no {key}")));
    }

    /// <summary>Arguments for `ssh` into one host with the lab key and known_hosts (strict).</summary>
    public IReadOnlyList<string> SshArguments(string host, IEnumerable<string> command)
    {
        var state = LabState.Load(options.StateFile) ?? throw new LabException($"lab '{options.Name}' is not up. Fix: `datalyptica lab up`.");
        var h = state.Hosts.FirstOrDefault(x => x.Name == host || x.Address == host)
            ?? throw new LabException($"no host '{host}' in lab '{options.Name}' (hosts: {string.Join(", ", state.Hosts.Select(x => x.Name))}).");
        return ["-i", options.PrivateKeyFile, "-o", $"UserKnownHostsFile={options.KnownHostsFile}", "-o", "StrictHostKeyChecking=yes",
            "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", $"root@{h.Address}", .. command];
    }
}

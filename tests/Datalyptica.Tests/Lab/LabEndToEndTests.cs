using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Transport;
using Datalyptica.Inventory;
using Datalyptica.Lab;
using Xunit.Abstractions;

namespace Datalyptica.Tests.Lab;

/// <summary>Runs only as root with systemd-nspawn and debootstrap; otherwise skipped with the reason.</summary>
public sealed class LabFactAttribute : FactAttribute
{
    public LabFactAttribute()
    {
        var problems = LabManager.CheckPreconditions();
        if (problems.Count > 0) Skip = "lab end-to-end needs root, systemd-nspawn and debootstrap (./setup.sh): " + string.Join(" ", problems);
    }
}

/// <summary>
/// A heavy lab proof that runs from its own one-command script (bench/lab-jupyterhub.sh, bench/lab-dr.sh), not in the test
/// suite: it needs DATALYPTICA_LAB_PROOFS=1 besides what every lab test needs. Its script names where its last result is.
/// </summary>
public sealed class LabProofFactAttribute : FactAttribute
{
    public const string Variable = "DATALYPTICA_LAB_PROOFS";

    public LabProofFactAttribute()
    {
        var problems = LabManager.CheckPreconditions();
        if (problems.Count > 0) Skip = "lab end-to-end needs root, systemd-nspawn and debootstrap (./setup.sh): " + string.Join(" ", problems);
        else if (Environment.GetEnvironmentVariable(Variable) != "1") Skip = $"a heavy lab proof: run it with {Variable}=1 (its script in bench/)";
    }
}

/// <summary>
/// The real thing: three nspawn hosts on their own bridge (dl-labtest0, 10.77.99.0/24, so a user's lab is untouched),
/// SSH to each with the recorded host keys, host-to-host traffic over the bridge, no route out, then down and
/// nothing left. The first run builds the cached image (about a minute). Always downs the lab, even when it fails.
/// </summary>
[Trait("Category", "Lab")]
[Collection(LabCollection.Name)]
public sealed class LabEndToEndTests(ITestOutputHelper output)
{
    private static readonly LabOptions Options = new() { Name = "e2e-test", Bridge = "dl-labtest0", Subnet = "10.77.99", BareSite = true };

    [LabFact]
    public async Task Up_three_hosts_ssh_each_reach_peers_over_the_bridge_then_down_leaves_nothing()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var lab = new LabManager(Options, output.WriteLine);
        var site = Path.Combine(Path.GetTempPath(), "dl-lab-e2e-site-" + Guid.NewGuid().ToString("N")[..8]);
        var pids = new List<int>();
        try
        {
            var up = await lab.UpAsync(3, site, timeout.Token, recreate: true);
            output.WriteLine($"image build: {(up.ImageBuild is { } b ? $"{b.TotalSeconds:0.0} s" : "cached")}; up total {up.Total.TotalSeconds:0.0} s");
            foreach (var h in up.Hosts) output.WriteLine($"{h.Host} boot to SSH {h.BootToSsh.TotalSeconds:0.00} s");
            up.Hosts.Select(h => h.Host).ShouldBe(["lab01", "lab02", "lab03"]);
            var state = LabState.Load(Options.StateFile).ShouldNotBeNull();
            pids.AddRange(state.Hosts.SelectMany(h => new[] { h.Pid!.Value, h.InitPid!.Value }));

            foreach (var host in state.Hosts)
            {
                await using var ssh = await SshTransport.ConnectAsync(lab.Connection(host), lab.SshOptions(), timeout.Token);
                (await ssh.RunAsync(RemoteCommand.Shell("hostname"), timeout.Token)).Stdout.Trim().ShouldBe(host.Name);
                var addr = await ssh.RunAsync(RemoteCommand.Shell("ip -4 addr show host0"), timeout.Token);
                addr.Stdout.ShouldContain($"inet {host.Address}/24");
                foreach (var peer in state.Hosts.Where(p => p != host))
                {
                    // minbase has no ping: open the peer's sshd over the bridge, by name (/etc/hosts) and by address.
                    var reach = await ssh.RunAsync(RemoteCommand.Shell(
                        $"timeout 3 bash -c '</dev/tcp/{peer.Name}/22' && timeout 3 bash -c '</dev/tcp/{peer.Address}/22' && echo ok"), timeout.Token);
                    reach.Stdout.Trim().ShouldBe("ok", $"{host.Name} -> {peer.Name}: {reach.Stderr}");
                }
                // Hosts have no route off the bridge.
                (await ssh.RunAsync(RemoteCommand.Shell("ip route get 1.1.1.1"), timeout.Token)).Succeeded.ShouldBeFalse();
            }

            (await lab.StatusAsync(timeout.Token)).ShouldAllBe(s => s.Running && s.SshOk);
            (await lab.UpAsync(3, site, timeout.Token)).AlreadyUp.ShouldBeTrue(); // up twice is fine

            // Up on a lab with a crashed host boots that host only: the others keep their PIDs, the site its vault password.
            var vaultPassword = Path.Combine(site, Datalyptica.Sites.SiteLoader.SiteVaultPasswordFile);
            var passwordBefore = File.ReadAllText(vaultPassword);
            var lab03 = state.Hosts.Single(h => h.Name == "lab03");
            LabSystem.Signal(lab03.InitPid!.Value, LabSystem.SigKill);
            var again = await lab.UpAsync(null, site, timeout.Token);
            again.Existing.ShouldBeTrue();
            again.AlreadyUp.ShouldBeFalse();
            again.Hosts.Select(h => h.Host).ShouldBe(["lab03"]);
            var after = LabState.Load(Options.StateFile).ShouldNotBeNull();
            after.Hosts.Where(h => h.Name != "lab03").Select(h => h.Pid).ShouldBe(state.Hosts.Where(h => h.Name != "lab03").Select(h => h.Pid));
            after.Hosts.Single(h => h.Name == "lab03").Pid.ShouldNotBe(lab03.Pid);
            pids.AddRange(after.Hosts.SelectMany(h => new[] { h.Pid!.Value, h.InitPid!.Value }));
            File.ReadAllText(vaultPassword).ShouldBe(passwordBefore);
            (await lab.StatusAsync(timeout.Token)).ShouldAllBe(s => s.Running && s.SshOk);
            // Another size is refused, with the way out; nothing is stopped.
            var resize = await Should.ThrowAsync<LabException>(() => lab.UpAsync(4, site, timeout.Token));
            resize.Message.ShouldContain("--recreate");
            resize.Message.ShouldContain("lab add-host");
            (await lab.StatusAsync(timeout.Token)).Count(s => s.Running).ShouldBe(3);

            var inventory = AnsibleInventoryReader.Read(site);
            inventory.Hosts.Select(h => h.Name).ShouldBe(["lab01", "lab02", "lab03"], ignoreOrder: true);
            File.Exists(Path.Combine(site, "known_hosts")).ShouldBeTrue();
        }
        finally
        {
            await lab.DownAsync(CancellationToken.None);
            if (Directory.Exists(site)) Directory.Delete(site, recursive: true);
        }

        // Nothing left: no process of ours (a zombie awaiting PID 1's reaping is not running), no bridge, no mounts, no folder.
        foreach (var pid in pids) LabSystem.StartTime(pid).ShouldBeNull($"process {pid} of the lab still runs");
        lab.StrayNspawns().ShouldBeEmpty();
        LabSystem.LinkExists(Options.Bridge).ShouldBeFalse();
        File.ReadAllText("/proc/self/mountinfo").ShouldNotContain(Options.LabDirectory);
        Directory.Exists(Options.LabDirectory).ShouldBeFalse();
        Directory.Exists(Path.Combine("/sys/fs/cgroup/systemd/datalyptica-lab", Options.Name)).ShouldBeFalse();
        LabImage.IsCached(Options).ShouldBeTrue(); // the image stays
        // Down twice is fine.
        (await lab.DownAsync(CancellationToken.None)).ShouldBe(new LabDownResult(0, 0, 0, false, false));

        // Leftovers with no state file (a crash of lab up itself) are not deleted by up: it names them and the fix.
        Directory.CreateDirectory(Options.LabDirectory);
        try
        {
            var refused = await Should.ThrowAsync<LabException>(() => lab.UpAsync(3, site, CancellationToken.None));
            refused.Message.ShouldContain("lab down");
            Directory.Exists(Options.LabDirectory).ShouldBeTrue();
        }
        finally { await lab.DownAsync(CancellationToken.None); }
    }
}

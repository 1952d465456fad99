using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Transport;
using Datalyptica.Lab;
using Datalyptica.Rendering;
using Datalyptica.Tests.Cli;
using Xunit.Abstractions;

namespace Datalyptica.Tests.Lab;

/// <summary>
/// Issue 5 "done when", on real hosts: three nspawn hosts with no route out (own bridge dl-labtest1, 10.77.98.0/24, so
/// neither a user's lab nor the other lab test is touched), the OS base layer applied through the CLI with the offline
/// repository served on the bridge, then: a second apply changes nothing, plan has nothing pending, a file broken on
/// one host is exactly what plan shows and apply repairs, and the journal holds no secret (the lab's private key).
/// The repository is cached under /var/lib/datalyptica/lab/repository (built once from Debian's mirror, reused after).
/// Always downs the lab.
/// </summary>
[Trait("Category", "Lab")]
[Collection(LabCollection.Name)]
public sealed class LabApplyEndToEndTests(ITestOutputHelper output)
{
    private static readonly LabOptions Options = new() { Name = "e2e-apply", Bridge = "dl-labtest1", Subnet = "10.77.98", BareSite = true };

    [LabFact]
    public async Task Prerequisites_converge_on_three_real_hosts_then_noop_then_a_broken_file_is_planned_and_repaired()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await LabRepository.EnsureAsync(Options, output.WriteLine, timeout.Token);
        var lab = new LabManager(Options, output.WriteLine);
        var site = Path.Combine(Path.GetTempPath(), "dl-lab-apply-site-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await lab.UpAsync(3, site, timeout.Token, recreate: true);

            var first = output.Timed("first apply", () => CliRunner.Run("apply", "--auto-approve", site, "--layer", "prerequisites").ShouldSucceed());
            first.Out.ShouldContain($"serving the offline repository on http://{Options.BridgeAddress}:{LabManager.RepositoryPort}/");

            var second = output.Timed("second apply", () => CliRunner.Run("apply", "--auto-approve", site, "--layer", "prerequisites").ShouldSucceed());
            second.Out.ShouldContain("applied 0 change(s)");
            var noop = PlanOf(site);
            noop.PendingCount.ShouldBe(0, PlanJson.Write(noop));
            noop.Hosts.Count.ShouldBe(3);

            // What converged is real: the services run, and the offline repository left no source on the host (each
            // install brought its own under /run/datalyptica-apt and removed it).
            var state = LabState.Load(Options.StateFile).ShouldNotBeNull();
            foreach (var host in state.Hosts)
            {
                await using var ssh = await SshTransport.ConnectAsync(lab.Connection(host), lab.SshOptions(), timeout.Token);
                var check = await ssh.RunAsync(RemoteCommand.Shell(
                    "systemctl is-active chrony nftables prometheus-node-exporter; ls -A /etc/apt/sources.list.d; " +
                    "[ -e /run/datalyptica-apt ] || echo no-transient-source; grep -rl trusted=yes /etc/apt || echo no-trusted-source"), timeout.Token);
                check.Stdout.ShouldBe("active\nactive\nactive\nno-transient-source\nno-trusted-source\n", $"{host.Name}: {check.Stderr}");
            }

            // Drift on one host: plan names exactly that file there, apply repairs it.
            var lab02 = state.Hosts.Single(h => h.Name == "lab02");
            await using (var ssh = await SshTransport.ConnectAsync(lab.Connection(lab02), lab.SshOptions(), timeout.Token))
                (await ssh.RunAsync(RemoteCommand.Shell("echo 'garbage = 1' >").Arg(OsBaseRenderer.SysctlPath), timeout.Token)).Succeeded.ShouldBeTrue();
            var drift = PlanOf(site);
            var pending = drift.Hosts.SelectMany(h => h.Pending.Select(c => (h.Host, c.ResourceId))).ToList();
            pending.ShouldBe([("lab02", "file:" + OsBaseRenderer.SysctlPath)], PlanJson.Write(drift));

            CliRunner.Run("apply", "--auto-approve", site, "--layer", "prerequisites").ShouldSucceed().Out.ShouldContain("applied 1 change(s)");
            PlanOf(site).PendingCount.ShouldBe(0);

            // The lab site's one secret is its SSH private key: no run's journal may hold any of it.
            var key = File.ReadAllLines(Options.PrivateKeyFile).Where(l => !l.StartsWith("-----", StringComparison.Ordinal) && l.Length > 20).ToList();
            key.ShouldNotBeEmpty();
            var journals = Directory.GetFiles(Path.Combine(site, ".datalyptica", "journal"), "*.jsonl");
            journals.Length.ShouldBe(3);
            foreach (var journal in journals)
            {
                var text = File.ReadAllText(journal);
                text.ShouldNotContain("PRIVATE KEY");
                foreach (var line in key) text.ShouldNotContain(line);
            }
        }
        finally
        {
            await lab.DownAsync(CancellationToken.None);
            if (Directory.Exists(site)) Directory.Delete(site, recursive: true);
        }
        LabSystem.LinkExists(Options.Bridge).ShouldBeFalse();
    }


    private Plan PlanOf(string site)
    {
        var file = Path.Combine(site, "plan.json");
        var run = output.Timed("plan", () => CliRunner.Run("plan", site, "--out", file));
        run.ExitCode.ShouldBeOneOf(0, 2);
        return PlanJson.Read(File.ReadAllText(file));
    }
}

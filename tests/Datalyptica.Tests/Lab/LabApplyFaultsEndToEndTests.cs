using System.Diagnostics;
using System.Text;
using Datalyptica.Cli;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Apply;
using Datalyptica.Engine.Transport;
using Datalyptica.Lab;
using Datalyptica.Rendering;
using Datalyptica.Secrets;
using Datalyptica.Sites;
using Datalyptica.Tests.Cli;
using Xunit.Abstractions;

namespace Datalyptica.Tests.Lab;

/// <summary>
/// Issue 5's fault cases on real hosts: three nspawn hosts on their own bridge (dl-labtest2, 10.77.97.0/24, lab
/// "e2e-faults", so neither a user's lab nor the other lab tests are touched).
/// 1. The real CLI process applying the OS base layer is killed (SIGKILL, by its own PID) while a package install is
///    under way on the hosts; the re-run converges, a third run changes nothing, and the journal shows both runs.
/// 2. One host's key in the site's known_hosts is replaced by another valid key: plan and apply stop with an error that
///    names the host, both fingerprints and the fix, and no host is touched (a drifted file keeps its hash everywhere).
/// 3. Nothing any run printed, and no journal, holds a vault secret of the site or the lab's private key.
/// Reuses the cached image and the cached OS base repository. Always downs the lab.
/// </summary>
[Trait("Category", "Lab")]
[Collection(LabCollection.Name)]
public sealed class LabApplyFaultsEndToEndTests(ITestOutputHelper output)
{
    private static readonly LabOptions Options = new() { Name = "e2e-faults", Bridge = "dl-labtest2", Subnet = "10.77.97", BareSite = true };

    /// <summary>Every byte any run printed, checked for secrets at the end.</summary>
    private readonly StringBuilder _printed = new();

    [LabFact]
    public async Task Killed_apply_resumes_a_changed_host_key_stops_everything_and_no_secret_leaks()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(12));
        await LabRepository.EnsureAsync(Options, output.WriteLine, timeout.Token);
        var lab = new LabManager(Options, output.WriteLine);
        var site = Path.Combine(Path.GetTempPath(), "dl-lab-faults-site-" + Guid.NewGuid().ToString("N")[..8]);
        var journalDir = Path.Combine(site, ".datalyptica", "journal");
        try
        {
            await lab.UpAsync(3, site, timeout.Token, recreate: true);
            var secrets = AddVaultSecrets(site);
            var state = LabState.Load(Options.StateFile).ShouldNotBeNull();

            // 1. Kill the CLI mid-apply, once a host has an applied change and a package install has started.
            await KillApplyMidwayAsync(site, journalDir, timeout.Token);
            var interrupted = ApplyJournal.ReadRuns(journalDir).ShouldHaveSingleItem();
            interrupted.ShouldContain(e => e.Event == ApplyJournal.ChangeDone);
            interrupted.ShouldNotContain(e => e.Event == ApplyJournal.RunCompleted);

            Run("resumed apply", "apply", "--auto-approve", site, "--layer", "prerequisites").ShouldSucceed();
            Run("third apply", "apply", "--auto-approve", site, "--layer", "prerequisites").ShouldSucceed().Out.ShouldContain("applied 0 change(s)");
            var runs = ApplyJournal.ReadRuns(journalDir);
            runs.Count.ShouldBe(3);
            runs[0].ShouldNotContain(e => e.Event == ApplyJournal.RunCompleted); // the killed run, oldest first
            runs[1].ShouldContain(e => e.Event == ApplyJournal.RunCompleted);
            runs[1].ShouldContain(e => e.Event == ApplyJournal.ChangeDone);
            runs[2].ShouldContain(e => e.Event == ApplyJournal.RunCompleted);
            runs[2].ShouldNotContain(e => e.Event == ApplyJournal.ChangeDone);
            foreach (var host in state.Hosts)
            {
                var check = await ShellAsync(lab, host, "dpkg --audit; systemctl is-active chrony nftables prometheus-node-exporter", timeout.Token);
                check.ShouldBe("active\nactive\nactive\n", $"{host.Name}: dpkg left half-configured or a service down");
            }

            // 2. Drift on every host (so apply would have work everywhere), then a changed key for lab02.
            foreach (var host in state.Hosts)
                await ShellAsync(lab, host, $"echo 'garbage = 1' > {OsBaseRenderer.SysctlPath}", timeout.Token);
            var before = await HashesAsync(lab, state, timeout.Token);
            var knownHosts = Path.Combine(site, "known_hosts");
            var original = File.ReadAllText(knownHosts);
            var lab02 = state.Hosts.Single(h => h.Name == "lab02");
            var (expected, presented) = ReplaceHostKey(knownHosts, lab02);

            foreach (var verb in new[] { "plan", "apply" })
            {
                // plan has no --layer (it plans every layer); apply is limited to the prerequisites as in the rest of this test.
                var refused = verb == "plan" ? Run($"{verb} with a changed host key", verb, site)
                    : Run($"{verb} with a changed host key", verb, site, "--layer", "prerequisites");
                // apply reports a host it cannot reach or trust as a failed apply (exit 4, docs/CLI.md); plan as an error (1).
                refused.ExitCode.ShouldBe(verb == "apply" ? ExitCodes.ApplyFailed : ExitCodes.Failed, refused.ToString());
                var error = refused.Err;
                error.ShouldContain("HOST KEY CHANGED for 'lab02'", Case.Sensitive, refused.ToString());
                error.ShouldContain(lab02.Address);
                error.ShouldContain(expected); // the key we replaced it with (what known_hosts now expects)
                error.ShouldContain(presented); // the host's real key
                error.ShouldContain($"ssh-keygen -R '{lab02.Address}' -f {knownHosts}");
            }
            (await HashesAsync(lab, state, timeout.Token)).ShouldBe(before, "a refused plan/apply touched a host");
            ApplyJournal.ReadRuns(journalDir).Count.ShouldBeInRange(3, 4); // a refused apply may journal, never apply
            ApplyJournal.ReadRuns(journalDir).Skip(3).SelectMany(r => r).ShouldNotContain(e => e.Event == ApplyJournal.ChangeDone);

            // The fix the error names: the right key back, and apply repairs the drift on all three.
            File.WriteAllText(knownHosts, original);
            Run("apply after the key is fixed", "apply", "--auto-approve", site, "--layer", "prerequisites").ShouldSucceed().Out.ShouldContain("applied 3 change(s)");

            // 3. No secret anywhere: the vault's values (decrypted here with the library) and the lab's private key.
            var password = new Secret(File.ReadAllText(Path.Combine(site, SiteLoader.SiteVaultPasswordFile)).Trim());
            var vault = SiteWriter.ReadSecrets(site, password);
            vault.Keys.ShouldBe(secrets.Keys, ignoreOrder: true);
            var forbidden = vault.Values.Select(s => s.Reveal())
                .Concat(File.ReadAllLines(Options.PrivateKeyFile).Where(l => !l.StartsWith("-----", StringComparison.Ordinal) && l.Length > 20))
                .Append(password.Reveal()).ToList();
            forbidden.Count.ShouldBeGreaterThan(secrets.Count + 1);
            var journals = Directory.GetFiles(journalDir, "*.jsonl");
            var haystacks = journals.Select(f => (f, File.ReadAllText(f))).Append(("printed output", _printed.ToString())).ToList();
            foreach (var (where, text) in haystacks)
            {
                text.ShouldNotContain("PRIVATE KEY");
                foreach (var secret in forbidden) text.Contains(secret, StringComparison.Ordinal).ShouldBeFalse($"a secret leaked into {where}");
            }
            output.WriteLine($"checked {forbidden.Count} secret strings against {journals.Length} journals and {_printed.Length} printed characters");
        }
        finally
        {
            await lab.DownAsync(CancellationToken.None);
            if (Directory.Exists(site)) Directory.Delete(site, recursive: true);
        }
        LabSystem.LinkExists(Options.Bridge).ShouldBeFalse();
    }

    /// <summary>
    /// Runs the real CLI binary (next to the tests) and kills it by its own PID with SIGKILL, the harshest interruption:
    /// no handler runs, SSH sessions drop, the repository server dies with it.
    /// </summary>
    private async Task KillApplyMidwayAsync(string site, string journalDir, CancellationToken cancellation)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "datalyptica");
        File.Exists(cli).ShouldBeTrue($"the CLI apphost is missing at {cli}: build the test project");
        var start = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "apply", site, "--auto-approve", "--layer", "prerequisites" }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start).ShouldNotBeNull();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellation);
        var stderr = process.StandardError.ReadToEndAsync(cancellation);
        var watch = Stopwatch.StartNew();
        string? seen = null;
        try
        {
            // Bounded: a first apply takes well under two minutes on these hosts.
            while (watch.Elapsed < TimeSpan.FromMinutes(3) && !process.HasExited)
            {
                List<JournalEntry> entries;
                try { entries = ApplyJournal.ReadRuns(journalDir).SelectMany(r => r).ToList(); }
                catch (System.Text.Json.JsonException) { entries = []; } // a line half-written: read again next round
                var packageStarted = entries.FirstOrDefault(e => e.Event == ApplyJournal.ChangeStarted && e.Resource?.StartsWith("package", StringComparison.Ordinal) == true);
                if (entries.Any(e => e.Event == ApplyJournal.ChangeDone) && packageStarted is not null)
                {
                    seen = $"{packageStarted.Host} {packageStarted.Resource}";
                    break;
                }
                await Task.Delay(50, cancellation);
            }
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: false);
            await process.WaitForExitAsync(CancellationToken.None);
        }
        var printed = $"{await stdout}\n{await stderr}";
        _printed.Append(printed);
        output.WriteLine($"killed apply (PID {process.Id}) after {watch.Elapsed.TotalSeconds:0.0} s while '{seen}' was running; it printed:\n{printed}");
        seen.ShouldNotBeNull($"apply never reached a package install before exiting (exit {process.ExitCode}):\n{printed}");
        process.ExitCode.ShouldBe(137, "the process should have died of SIGKILL, not finished");
    }

    /// <summary>Adds vault secrets to the lab site, under the site's own vault password; returns every secret the site then holds.</summary>
    private static IReadOnlyDictionary<string, Secret> AddVaultSecrets(string site)
    {
        var password = new Secret(File.ReadAllText(Path.Combine(site, SiteLoader.SiteVaultPasswordFile)).Trim());
        var secrets = new Dictionary<string, Secret>(SiteWriter.ReadSecrets(site, password))
        {
            ["vault_postgres_password"] = new(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))),
            ["vault_minio_root_password"] = new(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))),
        };
        var allVars = Path.Combine(site, "group_vars", "all.yml");
        var text = new StringBuilder(File.ReadAllText(allVars));
        if (text.Length > 0 && text[^1] != '\n') text.Append('\n');
        foreach (var (name, value) in secrets.Where(s => s.Key is "vault_postgres_password" or "vault_minio_root_password"))
        {
            text.Append(name).Append(": !vault |\n");
            foreach (var line in AnsibleVault.Encrypt(value.Reveal(), password).TrimEnd('\n').Split('\n')) text.Append("  ").Append(line).Append('\n');
        }
        File.WriteAllText(allVars, text.ToString());
        return secrets;
    }

    /// <summary>Puts a fresh ed25519 key (ssh-keygen) on the host's known_hosts line; returns (now expected, really presented) fingerprints.</summary>
    private static (string Expected, string Presented) ReplaceHostKey(string knownHosts, LabHostState host)
    {
        var dir = Directory.CreateTempSubdirectory("dl-faults-key-");
        try
        {
            var key = Path.Combine(dir.FullName, "other");
            var keygen = Process.Start(new ProcessStartInfo("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", key]) { RedirectStandardOutput = true })
                .ShouldNotBeNull("ssh-keygen is needed (openssh-client)");
            keygen.WaitForExit(10_000).ShouldBeTrue();
            keygen.ExitCode.ShouldBe(0);
            var newBlob = File.ReadAllText(key + ".pub").Split(' ')[1];
            var lines = File.ReadAllLines(knownHosts);
            var index = Array.FindIndex(lines, l => l.Split(' ')[0].Split(',').Contains(host.Address));
            index.ShouldBeGreaterThanOrEqualTo(0, $"no known_hosts line for {host.Address}");
            var fields = lines[index].Split(' ');
            var presented = KnownHostsFile.Fingerprint(Convert.FromBase64String(fields[2]));
            lines[index] = $"{fields[0]} {fields[1]} {newBlob}";
            File.WriteAllLines(knownHosts, lines);
            return (KnownHostsFile.Fingerprint(Convert.FromBase64String(newBlob)), presented);
        }
        finally { dir.Delete(recursive: true); }
    }

    private async Task<string> ShellAsync(LabManager lab, LabHostState host, string script, CancellationToken cancellation)
    {
        await using var ssh = await SshTransport.ConnectAsync(lab.Connection(host), lab.SshOptions(), cancellation);
        var result = await ssh.RunAsync(RemoteCommand.Shell(script), cancellation);
        result.ExitCode.ShouldBe(0, $"{host.Name}: {script}: {result.Stderr}");
        return result.Stdout;
    }

    /// <summary>Hashes of files apply manages, per host, read over SSH with the lab's own (correct) known_hosts.</summary>
    private async Task<Dictionary<string, string>> HashesAsync(LabManager lab, LabState state, CancellationToken cancellation)
    {
        var hashes = new Dictionary<string, string>();
        foreach (var host in state.Hosts)
            hashes[host.Name] = await ShellAsync(lab, host, $"sha256sum {OsBaseRenderer.SysctlPath} {Datalyptica.Components.OsBaseLayer.Chrony.ConfigPath}", cancellation);
        return hashes;
    }

    private CliResult Run(string what, params string[] args)
    {
        var watch = Stopwatch.StartNew();
        var result = CliRunner.Run(args);
        _printed.Append(result.All).Append('\n');
        output.WriteLine($"{what}: exit {result.ExitCode} in {watch.Elapsed.TotalSeconds:0.00} s{(result.ExitCode == 0 ? "" : "\n" + result.Err)}");
        return result;
    }
}

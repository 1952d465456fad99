using System.Text.Json;
using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;
using Datalyptica.Lab;
using Datalyptica.Rendering;
using Datalyptica.Secrets;
using Datalyptica.Sites;
using Datalyptica.Tests.Cli;
using Datalyptica.Tests.StandIns;
using Xunit.Abstractions;

namespace Datalyptica.Tests.Lab;

/// <summary>
/// Issue 14, deliverable 5, second layer: the whole platform on the 3 lab hosts (BuiltInProfiles.LabWithStandIns, its own
/// bridge dl-labtest5, 10.77.94.0/24). The HA core installs from Debian's packages as in the HA-core lab; every component
/// that installs from a release artifact installs from a release-faithful stand-in archive (docs/STAND-INS.md) built here
/// from its release's real file list and imported with `artifacts import` (the Python applications' wheelhouses, which
/// have no upstream release, pinned in datalyptica_artifacts). From nothing: apply; every first-start step the plan holds
/// ran exactly once, on the host the plan chose, with the plan's arguments and before the services it guards; every
/// service started with the rendered files parsing and its ports listening; verify says "started (stand-in artifact)" for
/// each of them and never healthy, and the HA core healthy; each application role logs in to its own database through the
/// VIP; a second apply changes nothing and runs no step again; no secret in the stand-ins' logs. Always downs the lab.
/// </summary>
[Trait("Category", "Lab")]
[Collection(LabCollection.Name)]
public sealed class LabStandInEndToEndTests(ITestOutputHelper output)
{
    private static readonly LabOptions Options = new() { Name = "e2e-standins", Bridge = "dl-labtest5", Subnet = "10.77.94", StandIns = true };

    [LabFact]
    public async Task Every_component_installs_from_its_stand_in_first_starts_once_in_order_and_verify_never_calls_it_healthy()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(60));
        var lab = new LabManager(Options, output.WriteLine);
        var siteDir = Path.Combine(Options.LabDirectory, "site");
        var archives = Path.Combine(Options.LabDirectory, "stand-in-archives");
        try
        {
            await output.TimedAsync("lab up", () => lab.UpAsync(3, null, timeout.Token, recreate: true));
            var vaultPassword = new Secret(File.ReadAllText(Path.Combine(siteDir, SiteLoader.SiteVaultPasswordFile)).Trim());
            var site = SiteLoader.Load(siteDir, () => vaultPassword).Site.ShouldNotBeNull();

            // The stand-ins: release archives into the store through the real import, wheelhouses pinned by url and sha512.
            if (Directory.Exists(archives)) Directory.Delete(archives, recursive: true);
            var built = StandInArchives.WriteAll(site, archives);
            built.Select(b => b.Artifact).ShouldContain("kafka");
            var import = output.Timed("artifacts import", () => CliRunner.Run("artifacts", "import", siteDir, "--from", archives).ShouldSucceed());
            output.WriteLine(import.Out);
            PinSiteBuilt(siteDir, built.Where(b => b.Release is null).ToList());

            site = SiteLoader.Load(siteDir, () => vaultPassword).Site.ShouldNotBeNull();
            var plan = output.Timed("plan", () => CliRunner.Run("plan", siteDir));
            plan.ExitCode.ShouldBe(2, plan.Err);
            plan.Out.ShouldNotContain("UNAVAILABLE");
            plan.Out.ShouldContain("(stand-in)");

            output.Timed("first apply (every layer)", () => CliRunner.Run("apply", "--auto-approve", siteDir).ShouldSucceed());
            var records = ReadLogs(lab, site);
            output.WriteLine($"stand-in log: {records.Count} records on {site.Hosts.Count} hosts");
            records.Where(r => r.Failed is not null).Select(r => $"{r.Hostname} {r.Artifact}: {r.Failed}").ShouldBeEmpty();

            // Every first-start step the plan holds ran exactly once where the plan put it, before the services it guards.
            var desired = DesiredStateBuilder.Build(site, SiteRenderer.Render(site), ArtifactCatalog.FromSite(site))
                .ToDictionary(d => d.Host, d => d.Resources.Select(r => r.Resource).OfType<CommandResource>().Select(c => c.Name).ToHashSet());
            var specs = StandInSpecs.For(site);
            var steps = 0;
            foreach (var spec in specs)
            foreach (var command in spec.Commands.Where(c => desired[c.Host].Contains(c.Name)))
            {
                var runs = records.Where(r => r.Event == StandInEvent.Start && r.Mode == "command" && r.Hostname == command.Host
                                              && r.Artifact == spec.Artifact && SameProgram(r.Argv, command.Program)
                                              && r.Arguments.All(a => command.Command.Contains(a, StringComparison.Ordinal)
                                                                           || command.Command.Contains(Datalyptica.Contracts.Hosts.RemoteCommand.Quote(a), StringComparison.Ordinal))).ToList();
                // Once each program call of the step (Superset's is two: db upgrade, then init).
                // (Keycloak's names its program relative to the install folder it cd's into: one call.)
                var calls = Math.Max(1, System.Text.RegularExpressions.Regex.Count(command.Command, System.Text.RegularExpressions.Regex.Escape(command.Program)));
                runs.Count.ShouldBe(calls, $"{command.Name} on {command.Host}: {command.Command}");
                runs.Select(r => string.Join(' ', r.Argv)).Distinct().Count().ShouldBe(calls, $"{command.Name} on {command.Host}: a call ran twice");
                // A step declared on every member but planned on one (OnOneMemberOf) comes before the services of every member.
                var oneForAll = spec.Commands.Count(c => c.Name == command.Name) > 1 && desired.Count(d => d.Value.Contains(command.Name)) == 1;
                var services = records.Where(r => r.Event == StandInEvent.Start && r.Mode == "service" && r.Artifact == spec.Artifact
                                                  && (oneForAll || r.Hostname == command.Host)).ToList();
                services.ShouldNotBeEmpty($"{spec.Artifact}: no service started after {command.Name}");
                services.ShouldAllBe(s => string.CompareOrdinal(s.Time, runs[0].Time) > 0, $"{command.Name} on {command.Host} ran before {spec.Artifact}'s services");
                output.WriteLine($"first-start step {command.Name} on {command.Host}: once, at {runs[0].Time}, argv {string.Join(' ', runs[0].Argv)}");
                steps++;
            }
            steps.ShouldBeGreaterThanOrEqualTo(3 + 3 + 2 + 3, "Kafka's two formats on 3 hosts, Keycloak's build on 2, the 3 Python schema steps");

            // Every service the site renders for an artifact started and listened where its probes look.
            foreach (var spec in specs)
            foreach (var service in spec.Services)
            {
                records.ShouldContain(r => r.Event == StandInEvent.Start && r.Mode == "service" && r.Hostname == service.Host && r.Artifact == spec.Artifact,
                    $"{spec.Artifact} {service.Unit} on {service.Host} never started");
                if (service.Ports.Count > 0)
                    records.ShouldContain(r => r.Event == StandInEvent.Listening && (r.Hostname ?? r.Host) == service.Host && r.Artifact == spec.Artifact,
                        $"{spec.Artifact} {service.Unit} on {service.Host} never listened");
            }

            // verify: the HA core healthy, every stand-in "started (stand-in artifact)", never healthy; a lab passes with them.
            var verify = output.Timed("verify --wait", () => CliRunner.Run("verify", siteDir, "--wait", "240", "--output", "json"));
            output.WriteLine(verify.Out.Length > 4000 ? verify.Out[..4000] : verify.Out);
            var checks = JsonDocument.Parse(verify.Out).RootElement.GetProperty("checks").EnumerateArray()
                .Select(c => (Component: c.GetProperty("component").GetString()!, Host: c.GetProperty("host").GetString()!,
                              Check: c.GetProperty("check").GetString()!, Status: c.GetProperty("status").GetString()!,
                              Detail: c.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : "")).ToList();
            var artifactComponents = ComponentCatalog.All.Where(c => c.InstallOn(site) == InstallSource.Artifact).Select(c => c.Id).ToHashSet();
            foreach (var component in artifactComponents)
            {
                var own = checks.Where(c => c.Component == component).ToList();
                own.ShouldContain(c => c.Status == "standIn", $"{component}: no check says stand-in");
                own.ShouldNotContain(c => c.Status == "healthy", $"{component}: a stand-in was reported healthy");
                own.Where(c => c.Status == "failed").Select(c => $"{c.Host} {c.Check}: {c.Detail}").ShouldBeEmpty();
            }
            // The HA core is healthy, HAProxy's checks of every backend included: a stand-in answers the ready response
            // a front-door check expects (Trino's /v1/info "starting":false), so the whole verify passes on the lab.
            var core = checks.Where(c => !artifactComponents.Contains(c.Component)).ToList();
            core.Where(c => c.Status is not ("healthy" or "warning")).Select(c => $"{c.Component} {c.Host} {c.Check}: {c.Status} {c.Detail}").ShouldBeEmpty();
            verify.ExitCode.ShouldBe(0, verify.Err);

            // The application databases apply created on the Patroni leader: each role logs in through the VIP.
            var logins = await LabAppDatabaseChecks.LogInAsEveryApplicationRoleAsync(siteDir, vaultPassword, output.WriteLine, timeout.Token);
            logins.Count.ShouldBe(LabAppDatabaseChecks.Declared(siteDir, vaultPassword).Count);

            // A second apply changes nothing, and no first-start step runs again.
            output.Timed("second apply", () => CliRunner.Run("apply", "--auto-approve", siteDir).ShouldSucceed()).Out.ShouldContain("applied 0 change(s)");
            var after = ReadLogs(lab, site);
            after.Count(r => r.Mode == "command").ShouldBe(records.Count(r => r.Mode == "command"));

            // Issue 16: a rolling artifact upgrade, Trino 469 -> 470, a member that fails its gate rolled back, resumed, undone.
            UpgradeTrino(lab, siteDir, site, vaultPassword, archives);
            after = ReadLogs(lab, site);

            // No secret in what the stand-ins recorded (argv, environment) nor in the apply journals.
            var secrets = SiteWriter.ReadSecrets(siteDir, vaultPassword).Values.Select(s => s.Reveal()).Where(s => s.Length >= 8).ToList();
            foreach (var record in after)
                foreach (var secret in secrets) record.Json.GetRawText().ShouldNotContain(secret);
            foreach (var journal in Directory.GetFiles(Path.Combine(siteDir, ".datalyptica", "journal"), "*.jsonl"))
                foreach (var secret in secrets) File.ReadAllText(journal).ShouldNotContain(secret);
        }
        finally
        {
            // DATALYPTICA_KEEP_LAB=1 leaves the lab up to look at after a failure (`datalyptica lab down --name e2e-standins
            // --bridge dl-labtest5 --subnet 10.77.94` removes it).
            if (Environment.GetEnvironmentVariable("DATALYPTICA_KEEP_LAB") != "1") await lab.DownAsync(CancellationToken.None);
        }
        if (Environment.GetEnvironmentVariable("DATALYPTICA_KEEP_LAB") != "1") LabSystem.LinkExists(Options.Bridge).ShouldBeFalse();
    }

    /// <summary>
    /// `upgrade SITE trino 470` under the restart's gates. 470's stand-in (its release's layout, from the 470 fixture) goes
    /// into the store with `artifacts import --release trino=470`. The second member gets a broken 470 folder first (the
    /// marker of a finished unpack, no bin/launcher), as a corrupt install would leave it: the first member moves to 470,
    /// the second fails its gate and is rolled back to 469 by itself, the third is never touched, the site still says 469
    /// and the command exits 1. With the folder removed, the same command resumes (the first member skipped), every
    /// member runs 470 (current link, the stand-in's service started from 470), the site records 470 and the next plan
    /// has nothing to do. `upgrade --rollback` then brings every member back to 469, and the plan is empty again.
    /// </summary>
    private void UpgradeTrino(LabManager lab, string siteDir, Model.Site site, Secret vaultPassword, string archives)
    {
        var trino = ComponentCatalog.Get("trino");
        var at470 = site with { Versions = new Dictionary<string, string>(site.Versions) { ["trino"] = "470" } };
        var spec = StandInSpecs.For(at470).Single(s => s.Artifact == "trino");
        spec.Version.ShouldBe("470");
        var file = StandInArchives.Write(spec, archives);
        CliRunner.Run("artifacts", "import", siteDir, "--from", archives, "--release", "trino=470").ShouldSucceed().Out.ShouldContain("trino 470: imported stand-in");

        var members = Datalyptica.Restarts.ComponentRestart.Members(site, trino, null).Select(m => m.Host.Name).ToList();
        members.Count.ShouldBeGreaterThanOrEqualTo(3);
        string Current(string host) => Ssh(lab, host, "readlink /opt/datalyptica/trino/current").Trim();
        List<string> Links(IEnumerable<string> hosts) => hosts.Select(h => $"{h} -> {Current(h)}").ToList();
        static List<string> Expect(IEnumerable<string> hosts, string folder) => hosts.Select(h => $"{h} -> {folder}").ToList();
        Links(members).ShouldBe(Expect(members, "/opt/datalyptica/trino/469"));
        var broken = members[1];
        Ssh(lab, broken, $"mkdir -p /opt/datalyptica/trino/470 && printf '%s\n' {file.Sha512} > /opt/datalyptica/trino/470/{ArtifactResource.MarkerName}");

        var stopped = output.Timed("upgrade trino 470 (the second member broken)", () => CliRunner.Run("upgrade", siteDir, "trino", "470", "--yes", "--wait", "60", "--output", "json"));
        output.WriteLine(stopped.Out + stopped.Err);
        stopped.ExitCode.ShouldBe(1, stopped.Err);
        var json = JsonDocument.Parse(stopped.Out).RootElement;
        json.GetProperty("completed").GetBoolean().ShouldBeFalse();
        var steps = json.GetProperty("members").EnumerateArray().ToDictionary(m => m.GetProperty("host").GetString()!);
        steps[members[0]].GetProperty("after").GetProperty("trino").GetString().ShouldBe("470");
        steps[broken].GetProperty("rolledBack").GetBoolean().ShouldBeTrue();
        steps[broken].GetProperty("after").GetProperty("trino").GetString().ShouldBe("469");
        json.GetProperty("untouched").EnumerateArray().Select(e => e.GetString()).ShouldBe(members.Skip(2));
        Current(members[0]).ShouldBe("/opt/datalyptica/trino/470");
        Current(broken).ShouldBe("/opt/datalyptica/trino/469");
        Links(members.Skip(2)).ShouldBe(Expect(members.Skip(2), "/opt/datalyptica/trino/469"));
        SiteLoader.Load(siteDir, () => vaultPassword).Site!.Versions["trino"].ShouldBe("469", "the site records 470 only once every member runs it");

        Ssh(lab, broken, "rm -rf /opt/datalyptica/trino/470");
        var resumed = output.Timed("upgrade trino 470 (resumed)", () => CliRunner.Run("upgrade", siteDir, "trino", "470", "--yes", "--wait", "60", "--output", "json"));
        output.WriteLine(resumed.Out + resumed.Err);
        resumed.ExitCode.ShouldBe(0, resumed.Err);
        var again = JsonDocument.Parse(resumed.Out).RootElement.GetProperty("members").EnumerateArray().ToDictionary(m => m.GetProperty("host").GetString()!);
        again[members[0]].GetProperty("skipped").GetBoolean().ShouldBeTrue("a member already at 470 is skipped");
        Links(members).ShouldBe(Expect(members, "/opt/datalyptica/trino/470"));
        SiteLoader.Load(siteDir, () => vaultPassword).Site!.Versions["trino"].ShouldBe("470");
        var started = ReadLogs(lab, site).Where(r => r.Event == StandInEvent.Start && r.Mode == "service" && r.Artifact == "trino").ToList();
        foreach (var host in members)
            started.Where(r => r.Hostname == host).MaxBy(r => r.Time).ShouldNotBeNull().Version.ShouldBe("470", $"{host}'s running Trino");
        output.Timed("plan after the upgrade", () => CliRunner.Run("plan", siteDir)).ExitCode.ShouldBe(0, "every file and link already as the site at 470 wants it");

        var back = output.Timed("upgrade trino --rollback", () => CliRunner.Run("upgrade", siteDir, "trino", "--rollback", "--yes", "--wait", "60"));
        output.WriteLine(back.Out + back.Err);
        back.ExitCode.ShouldBe(0, back.Err);
        Links(members).ShouldBe(Expect(members, "/opt/datalyptica/trino/469"));
        SiteLoader.Load(siteDir, () => vaultPassword).Site!.Versions["trino"].ShouldBe("469");
        output.Timed("plan after the roll back", () => CliRunner.Run("plan", siteDir)).ExitCode.ShouldBe(0);
    }

    private static string Ssh(LabManager lab, string host, string command)
    {
        var run = Datalyptica.Tests.Rendering.Tool.Run("ssh", lab.SshArguments(host, [command]));
        run.ExitCode.ShouldBe(0, run.Stderr);
        return run.Stdout;
    }

    /// <summary>Site-built artifacts (wheelhouses: no upstream release) are pinned as a user pins them: url and sha512 in group_vars/all.</summary>
    private static void PinSiteBuilt(string siteDir, IReadOnlyList<StandInFile> siteBuilt)
    {
        if (siteBuilt.Count == 0) return;
        var all = Path.Combine(siteDir, "group_vars", "all.yml");
        var text = File.ReadAllText(all);
        text.ShouldNotContain(ArtifactCatalog.SiteKey + ":");
        var lines = siteBuilt.Select(b => $"  {b.Artifact}: {{ url: \"{new Uri(b.Path).AbsoluteUri}\", sha512: \"{b.Sha512}\" }}");
        File.WriteAllText(all, text.TrimEnd('\n') + $"\n{ArtifactCatalog.SiteKey}:\n{string.Join('\n', lines)}\n");
    }

    private static IReadOnlyList<StandInRecord> ReadLogs(LabManager lab, Model.Site site) =>
        site.Hosts.SelectMany(h =>
        {
            // One argument: ssh hands the remote shell one string, which expands the glob there.
            var read = Datalyptica.Tests.Rendering.Tool.Run("ssh", lab.SshArguments(h.Name, [$"cat {StandInLog.HostFiles} 2>/dev/null || true"]));
            read.ExitCode.ShouldBe(0, read.Stderr);
            return StandInLog.Parse(read.Stdout);
        }).ToList();

    /// <summary>The recorded argv[0] is the program the step names (under current/ or the version folder, or a venv's bin).</summary>
    private static bool SameProgram(IReadOnlyList<string> argv, string program) =>
        argv.Count > 0 && Path.GetFileName(argv[0]) == Path.GetFileName(program);
}

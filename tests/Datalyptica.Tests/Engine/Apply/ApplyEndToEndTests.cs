using System.Diagnostics;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Apply;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;
using Datalyptica.Secrets;

namespace Datalyptica.Tests.Engine.Apply;

/// <summary>
/// Plan and apply end to end through a transport that runs the real commands with /bin/sh on this machine. Every
/// managed path carries a temp root, so only that folder changes; the journal lives in a temp site folder.
/// </summary>
public sealed class ApplyEndToEndTests : IDisposable
{
    private const string SecretValue = "pa55-w0rd'with\"quotes";
    private readonly TempRoot _root = new();
    private readonly TempRoot _site = new();
    private readonly Dictionary<string, LocalTestTransport> _transports = [];
    private readonly Secret _secret = new(SecretValue);

    private string Journal => _site["/.datalyptica/journal"];

    private PlanOptions Options => new() { Root = _root.Path, ResolveSecret = n => n == "vault_app_password" ? _secret : null };

    private ApplyOptions ApplyOptions => new()
    {
        JournalDirectory = Journal,
        Artifacts = new ArtifactStore(_site["/.datalyptica/artifacts"]),
        ResolveSecret = Options.ResolveSecret,
        Masker = new SecretMasker(_secret),
        Parallelism = 2,
    };

    /// <summary>Two hosts (their paths apart under one root), three layers, files with and without secrets, folders, a guarded command.</summary>
    private IReadOnlyList<HostDesiredState> Desired(params IResource[] extra) => new[] { "h1", "h2" }.Select(h => new HostDesiredState(h,
    new List<LayeredResource>
    {
        new(Layer.Prerequisites, new DirectoryResource($"/{h}/etc/app", "app") { Owner = "root", Group = "root", Mode = Modes.Executable & ~UnixFileMode.OtherExecute & ~UnixFileMode.OtherRead }),
        new(Layer.Prerequisites, new FileResource($"/{h}/etc/app/app.conf", $"host = {h}\npassword = {SecretPlaceholder.For("vault_app_password")}\n", "app") { Mode = Modes.Private }),
        new(Layer.Prerequisites, new CommandResource("init", $"mkdir -p {_root[$"/{h}/var/lib/app"]} && date > {_root[$"/{h}/var/lib/app/initialized"]}", "app") { Creates = $"/{h}/var/lib/app/initialized" }),
        new(Layer.Coordination, new DirectoryResource($"/{h}/etc/coord", "coord")),
        new(Layer.Coordination, new FileResource($"/{h}/etc/coord/coord.conf", "members = 3\n", "coord")),
        new(Layer.LoadBalancer, new FileResource($"/{h}/etc/lb.conf", "frontend\n", "lb") { Mode = Modes.Public }),
    }.Concat(extra.Select(r => new LayeredResource(Layer.Coordination, r))).ToList())).ToList();

    private LocalTestTransport Transport(string host) => _transports.TryGetValue(host, out var t) ? t : _transports[host] = new LocalTestTransport(host);

    private Task<Plan> PlanAsync(IReadOnlyList<HostDesiredState> desired) =>
        Planner.PlanAsync("test", desired, Transport, Options, new SecretMasker(_secret), CancellationToken.None);

    [Fact]
    public async Task First_apply_converges_second_apply_changes_nothing_and_plan_changes_nothing()
    {
        var desired = Desired();
        var before = _root.Fingerprint();
        var plan = await PlanAsync(desired);
        _root.Fingerprint().ShouldBe(before, "plan must not change anything");
        plan.PendingCount.ShouldBe(12);

        var result = await PlanApplier.ApplyAsync(plan, Transport, ApplyOptions, CancellationToken.None);
        result.Status.ShouldBe(ApplyStatus.Completed, result.Message);
        result.Applied.ShouldBe(12);
        File.ReadAllText(_root["/h1/etc/app/app.conf"]).ShouldBe($"host = h1\npassword = {SecretValue}\n");
        File.GetUnixFileMode(_root["/h1/etc/app/app.conf"]).ShouldBe(Modes.Private);
        File.GetUnixFileMode(_root["/h2/etc/app"]).ShouldBe((UnixFileMode)Convert.ToInt32("750", 8));
        File.Exists(_root["/h2/var/lib/app/initialized"]).ShouldBeTrue();
        Directory.GetFiles(_root["/h1/etc/app"], ".*").ShouldBeEmpty("no temp file is left behind");

        var converged = _root.Fingerprint();
        var second = await PlanAsync(desired);
        second.PendingCount.ShouldBe(0, PlanHumanView.Render(second));
        _root.Fingerprint().ShouldBe(converged);
        var again = await PlanApplier.ApplyAsync(second, Transport, ApplyOptions, CancellationToken.None);
        again.Status.ShouldBe(ApplyStatus.Completed);
        again.Applied.ShouldBe(0);

        // Audit line per host and layer, no secret anywhere on the control node.
        var audit = File.ReadAllLines(_root["/var/log/datalyptica/audit.log"]);
        audit.Length.ShouldBe(6);
        audit.ShouldAllBe(l => l.Contains("\"who\"") && l.Contains("\"run\""));
        foreach (var text in new[] { PlanJson.Write(plan), PlanHumanView.Render(plan), string.Join('\n', Directory.GetFiles(Journal).Select(File.ReadAllText)), string.Join('\n', audit) })
            text.ShouldNotContain(SecretValue);
    }

    [Fact]
    public async Task Drift_is_planned_with_a_masked_diff_and_fixed()
    {
        var desired = Desired();
        await PlanApplier.ApplyAsync(await PlanAsync(desired), Transport, ApplyOptions, CancellationToken.None);
        File.WriteAllText(_root["/h1/etc/app/app.conf"], $"host = changed\npassword = {SecretValue}\n");

        var plan = await PlanAsync(desired);
        var change = plan.Hosts.Single(h => h.Host == "h1").Changes.Single();
        change.ResourceId.ShouldBe("file:/h1/etc/app/app.conf");
        change.Sensitive.ShouldBeTrue();
        change.Diff.ShouldNotBeNull().ShouldContain("-host = changed");
        change.Diff.ShouldContain(" password = @@secret:vault_app_password@@");
        PlanJson.Write(plan).ShouldNotContain(SecretValue);

        (await PlanApplier.ApplyAsync(plan, Transport, ApplyOptions, CancellationToken.None)).Applied.ShouldBe(1);
        (await PlanAsync(desired)).PendingCount.ShouldBe(0);
    }

    [Fact]
    public async Task Interrupted_apply_resumes_and_the_journal_shows_both_runs()
    {
        var desired = Desired();
        using var interrupt = new CancellationTokenSource();
        // Ctrl-C during the first layer: after h1 has run a few commands.
        _transports["h1"] = new LocalTestTransport("h1") { BeforeCommand = n => { if (n == 3) interrupt.Cancel(); } };
        var first = await PlanApplier.ApplyAsync(await PlanAsync(desired), Transport, ApplyOptions, interrupt.Token);
        first.Status.ShouldBe(ApplyStatus.Interrupted);
        first.StoppedAt.ShouldBe(Layer.Prerequisites);
        File.Exists(_root["/h1/etc/lb.conf"]).ShouldBeFalse("later layers never started");

        _transports.Remove("h1");
        var resumedPlan = await PlanAsync(desired);
        resumedPlan.PendingCount.ShouldBeLessThan(12);
        var second = await PlanApplier.ApplyAsync(resumedPlan, Transport, ApplyOptions, CancellationToken.None);
        second.Status.ShouldBe(ApplyStatus.Completed, second.Message);
        (await PlanAsync(desired)).PendingCount.ShouldBe(0);

        var runs = ApplyJournal.ReadRuns(Journal);
        runs.Count.ShouldBe(2);
        runs[0][^1].Event.ShouldBe(ApplyJournal.RunInterrupted);
        runs[0].ShouldContain(e => e.Event == ApplyJournal.ChangeStarted && e.Host == "h1");
        runs[1][^1].Event.ShouldBe(ApplyJournal.RunCompleted);
    }

    [Fact]
    public async Task A_failing_host_stops_its_layer_with_host_resource_command_exit_code_and_masked_stderr()
    {
        var failing = new CommandResource("migrate", $"echo \"cannot log in with {SecretValue.Replace("\"", "\\\"")}\" >&2; exit 3", "coord") { Creates = "/nowhere/done" };
        var plan = await PlanAsync(Desired(failing));
        var result = await PlanApplier.ApplyAsync(plan, Transport, ApplyOptions, CancellationToken.None);

        result.Status.ShouldBe(ApplyStatus.Failed);
        result.StoppedAt.ShouldBe(Layer.Coordination);
        result.Failures.Count.ShouldBe(2);
        var failure = result.Failures.Single(f => f.Host == "h1");
        failure.ResourceId.ShouldBe("command:migrate");
        failure.ExitCode.ShouldBe(3);
        failure.Command.ShouldStartWith("[ -e ");
        failure.Stderr.ShouldBe("cannot log in with ***\n");
        failure.ToString().ShouldContain("h1: command:migrate failed in layer coordination");
        File.Exists(_root["/h1/etc/lb.conf"]).ShouldBeFalse("the load balancer layer must not start after a failed layer");
        var journal = File.ReadAllText(result.JournalPath);
        journal.ShouldContain("\"exitCode\":3");
        journal.ShouldNotContain(SecretValue.Split('\'')[0]);
    }

    [Fact]
    public async Task Limit_and_layer_narrow_the_apply()
    {
        var plan = await PlanAsync(Desired());
        var result = await PlanApplier.ApplyAsync(plan, Transport, ApplyOptions with { OnlyLayer = Layer.Coordination, Limit = new HashSet<string> { "h2" } }, CancellationToken.None);
        result.Applied.ShouldBe(2);
        File.Exists(_root["/h2/etc/coord/coord.conf"]).ShouldBeTrue();
        File.Exists(_root["/h1/etc/coord/coord.conf"]).ShouldBeFalse();
        File.Exists(_root["/h2/etc/app/app.conf"]).ShouldBeFalse();
    }

    [Fact]
    public async Task Artifact_is_verified_unpacked_and_switched_and_a_wrong_checksum_touches_nothing()
    {
        var tarball = MakeTarball();
        var sha512 = await Datalyptica.Engine.Artifacts.ArtifactFetch.Sha512Async(tarball, CancellationToken.None);
        var wrong = new ArtifactResource("tool", "1.0", new ArtifactSource(new Uri(tarball).AbsoluteUri, new string('0', 128)));

        var before = _root.Fingerprint();
        var badPlan = await PlanAsync(Desired(wrong));
        var refused = await PlanApplier.ApplyAsync(badPlan, Transport, ApplyOptions, CancellationToken.None);
        refused.Status.ShouldBe(ApplyStatus.Refused);
        refused.Message.ShouldNotBeNull().ShouldContain("SHA-512");
        refused.Message.ShouldContain("nothing was changed on any host");
        _root.Fingerprint().ShouldBe(before, "a bad checksum stops before any host is touched");
        _transports.Values.Sum(t => t.Log.Count(l => !l.Contains("R="))).ShouldBe(0, "only fact scripts ran");

        var good = wrong with { Source = new ArtifactSource(new Uri(tarball).AbsoluteUri, sha512) };
        // One host only: the two test hosts share one root, and real hosts never share /opt.
        var result = await PlanApplier.ApplyAsync(await PlanAsync(Desired(good).Take(1).ToList()), Transport, ApplyOptions, CancellationToken.None);
        result.Status.ShouldBe(ApplyStatus.Completed, result.Message + string.Join("; ", result.Failures));
        File.ReadAllText(_root["/opt/datalyptica/tool/current/bin/tool"]).ShouldBe("#!/bin/sh\necho tool\n");
        new FileInfo(_root["/opt/datalyptica/tool/current"]).LinkTarget.ShouldBe(_root["/opt/datalyptica/tool/1.0"]);
        (await PlanAsync(Desired(good).Take(1).ToList())).PendingCount.ShouldBe(0);
    }

    [Fact]
    public async Task An_upgrade_keeps_the_previous_version_for_rollback_and_removes_older_ones_apply_unpacked()
    {
        var tarball = MakeTarball();
        var sha512 = await Datalyptica.Engine.Artifacts.ArtifactFetch.Sha512Async(tarball, CancellationToken.None);
        Directory.CreateDirectory(_root["/opt/datalyptica/tool/someone-elses"]); // no marker: never apply's to remove
        foreach (var version in new[] { "1.0", "2.0", "3.0" })
        {
            var resource = new ArtifactResource("tool", version, new ArtifactSource(new Uri(tarball).AbsoluteUri, sha512));
            var result = await PlanApplier.ApplyAsync(await PlanAsync(Desired(resource).Take(1).ToList()), Transport, ApplyOptions, CancellationToken.None);
            result.Status.ShouldBe(ApplyStatus.Completed, result.Message + string.Join("; ", result.Failures));
        }
        new FileInfo(_root["/opt/datalyptica/tool/current"]).LinkTarget.ShouldBe(_root["/opt/datalyptica/tool/3.0"]);
        Directory.Exists(_root["/opt/datalyptica/tool/2.0"]).ShouldBeTrue("the previous version stays for a rollback");
        Directory.Exists(_root["/opt/datalyptica/tool/1.0"]).ShouldBeFalse("older versions go");
        Directory.Exists(_root["/opt/datalyptica/tool/someone-elses"]).ShouldBeTrue();
        (await PlanAsync(Desired(new ArtifactResource("tool", "3.0", new ArtifactSource(new Uri(tarball).AbsoluteUri, sha512))).Take(1).ToList())).PendingCount.ShouldBe(0);
    }

    [Fact]
    public async Task A_stand_in_archive_is_refused_before_any_host_unless_the_site_is_a_lab()
    {
        // Named by url and sha512 (datalyptica_artifacts), not through the store: only its contents give it away.
        var tarball = MakeTarball(standIn: true);
        var sha512 = await Datalyptica.Engine.Artifacts.ArtifactFetch.Sha512Async(tarball, CancellationToken.None);
        var standIn = new ArtifactResource("tool", "1.0", new ArtifactSource(new Uri(tarball).AbsoluteUri, sha512));
        var desired = Desired(standIn).Take(1).ToList();

        var before = _root.Fingerprint();
        var refused = await PlanApplier.ApplyAsync(await PlanAsync(desired), Transport, ApplyOptions, CancellationToken.None);
        refused.Status.ShouldBe(ApplyStatus.Refused);
        refused.Message.ShouldNotBeNull().ShouldContain("stand-in");
        refused.Message.ShouldContain("nothing was changed on any host");
        _root.Fingerprint().ShouldBe(before);

        var lab = await PlanApplier.ApplyAsync(await PlanAsync(desired), Transport, ApplyOptions with { AllowStandIns = true }, CancellationToken.None);
        lab.Status.ShouldBe(ApplyStatus.Completed, lab.Message + string.Join("; ", lab.Failures));
        File.Exists(_root["/opt/datalyptica/tool/current/DATALYPTICA-STAND-IN"]).ShouldBeTrue();
    }

    private string MakeTarball(bool standIn = false)
    {
        var src = _site["/src/tool-1.0/bin"];
        Directory.CreateDirectory(src);
        File.WriteAllText(Path.Combine(src, "tool"), "#!/bin/sh\necho tool\n");
        if (standIn) File.WriteAllText(_site["/src/tool-1.0/DATALYPTICA-STAND-IN"], "a stand-in, for a test\n");
        var tarball = _site["/tool-1.0.tar.gz"];
        var tar = Process.Start(new ProcessStartInfo("tar", ["-czf", tarball, "-C", _site["/src"], "tool-1.0"]))!;
        tar.WaitForExit(30_000).ShouldBeTrue();
        tar.ExitCode.ShouldBe(0);
        return tarball;
    }

    public void Dispose()
    {
        _root.Dispose();
        _site.Dispose();
    }
}

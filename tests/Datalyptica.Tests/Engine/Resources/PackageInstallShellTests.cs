using System.Diagnostics;
using System.Net;
using Datalyptica.Engine.Repository;
using Datalyptica.Engine.Resources;

namespace Datalyptica.Tests.Engine.Resources;

/// <summary>
/// The shell around apt-get, run for real by /bin/sh: the policy-rc.d guard keeps and restores a host's own file, and
/// a dpkg left half-configured is repaired and the install retried. apt-get and dpkg are small scripts first in PATH
/// (real apt is exercised on the lab hosts); the policy-rc.d path is moved into a temp folder.
/// </summary>
public sealed class PackageInstallShellTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("dl-apt-shell-").FullName;
    private string Policy => Path.Combine(dir, "policy-rc.d");
    private string Log => Path.Combine(dir, "calls.log");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private (int Exit, string[] Calls) Run(bool dpkgInterrupted, TransientAptSource? source = null, bool updateFails = false)
    {
        var bin = Directory.CreateDirectory(Path.Combine(dir, "bin")).FullName;
        var repaired = Path.Combine(dir, "repaired");
        // apt-get records the guard it saw; it refuses, as real apt does, while dpkg is interrupted.
        File.WriteAllText(Path.Combine(bin, "apt-get"),
            $"#!/bin/sh\necho \"apt-get $(tail -n 1 {Policy})\" >> {Log}\necho \"$*\" >> {Log}.args\n" +
            (updateFails ? "case \"$1\" in update) exit 100;; esac\n" : "") +
            (dpkgInterrupted ? $"[ -e {repaired} ] || {{ echo \"E: dpkg was interrupted\" >&2; exit 100; }}\n" : "") + "exit 0\n");
        File.WriteAllText(Path.Combine(bin, "dpkg"), $"#!/bin/sh\necho \"dpkg $*\" >> {Log}\ntouch {repaired}\n");
        foreach (var f in Directory.GetFiles(bin)) File.SetUnixFileMode(f, (UnixFileMode)0b111_101_101);

        var command = PackageResource.InstallCommand(PackageManager.Apt, ["chrony"], source).Replace("/usr/sbin/policy-rc.d", Policy);
        var start = new ProcessStartInfo("/bin/sh", ["-c", command]) { RedirectStandardError = true, RedirectStandardOutput = true };
        start.Environment["PATH"] = bin + ":/usr/bin:/bin";
        using var process = Process.Start(start)!;
        process.WaitForExit(30_000).ShouldBeTrue();
        return (process.ExitCode, File.Exists(Log) ? File.ReadAllLines(Log) : []);
    }

    [Fact]
    public void A_hosts_own_policy_rc_d_is_kept_aside_during_the_install_and_put_back()
    {
        File.WriteAllText(Policy, "#!/bin/sh\nexit 0 # the host's own\n");
        var (exit, calls) = Run(dpkgInterrupted: false);
        exit.ShouldBe(0);
        calls.ShouldBe(["apt-get exit 101"]); // our guard was in place while apt ran
        File.ReadAllText(Policy).ShouldContain("the host's own");
        File.Exists(Policy + ".datalyptica-saved").ShouldBeFalse();
    }

    [Fact]
    public void Without_a_policy_rc_d_none_is_left_behind()
    {
        Run(dpkgInterrupted: false).Exit.ShouldBe(0);
        File.Exists(Policy).ShouldBeFalse();
    }

    [Fact]
    public void A_rerun_after_a_killed_install_restores_the_saved_file_not_our_guard()
    {
        // What a kill between "guard written" and "guard removed" leaves: ours in place, the host's aside.
        File.WriteAllText(Policy + ".datalyptica-saved", "#!/bin/sh\nexit 0 # the host's own\n");
        File.WriteAllText(Policy, "#!/bin/sh\nexit 101\n");
        Run(dpkgInterrupted: false).Exit.ShouldBe(0);
        File.ReadAllText(Policy).ShouldContain("the host's own");
        File.Exists(Policy + ".datalyptica-saved").ShouldBeFalse();
    }

    [Fact]
    public void A_dpkg_left_half_configured_is_repaired_and_the_install_retried()
    {
        var (exit, calls) = Run(dpkgInterrupted: true);
        exit.ShouldBe(0);
        calls.ShouldBe(["apt-get exit 101", "dpkg --configure -a --force-confold", "apt-get exit 101"]);
        File.Exists(Policy).ShouldBeFalse();
    }

    private TransientAptSource Source() =>
        AptSourceRenderer.Transient(AptSource.OfflineRepository(new IPEndPoint(IPAddress.Loopback, 9), "KEY"), Path.Combine(dir, "transient"));

    [Fact]
    public void The_transient_source_is_prepared_updated_against_and_removed_after_the_install()
    {
        var source = Source();
        var (exit, calls) = Run(dpkgInterrupted: false, source);
        exit.ShouldBe(0);
        calls.ShouldBe(["apt-get exit 101", "apt-get exit 101"]); // update, then install, both under our guard
        var args = File.ReadAllLines(Log + ".args");
        args[0].ShouldStartWith("update ");
        args.ShouldAllBe(a => a.Contains("Dir::Etc::SourceList=" + source.Directory + "/sources.list"));
        args[1].ShouldStartWith("install ");
        Directory.Exists(source.Directory).ShouldBeFalse();
        File.Exists(Policy).ShouldBeFalse();
    }

    [Fact]
    public void A_failed_update_installs_nothing_and_still_removes_the_source_and_the_guard()
    {
        var source = Source();
        var (exit, calls) = Run(dpkgInterrupted: false, source, updateFails: true);
        exit.ShouldBe(100);
        calls.ShouldBe(["apt-get exit 101"]);
        Directory.Exists(source.Directory).ShouldBeFalse();
        File.Exists(Policy).ShouldBeFalse();
    }
}

using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Planning;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Engine.Facts;

/// <summary>The real fact script, run by /bin/sh on this machine against a temp root: real sha256sum, stat, dpkg-query.</summary>
public class FactScriptTests
{
    [Fact]
    public async Task Script_reports_real_files_folders_links_packages_and_guards_in_one_round_trip()
    {
        using var root = new TempRoot();
        Directory.CreateDirectory(root["/etc/app"]);
        File.WriteAllText(root["/etc/app/app.conf"], "hello\n");
        File.SetUnixFileMode(root["/etc/app/app.conf"], UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        File.CreateSymbolicLink(root["/etc/app/current"], "/opt/x/1.0");
        var query = new FactQuery()
            .File("/etc/app/app.conf").File("/etc/app/missing").File("/etc/app")
            .Directory("/etc/app").Directory("/etc/none")
            .Link("/etc/app/current").Link("/etc/app/app.conf")
            .Package("dpkg").Package("surely-not-a-package-xyz")
            .Guard("yes", "true").Guard("no", "false")
            .Sysctl("kernel.ostype").Sysctl("no.such.key");
        var transport = new LocalTestTransport("local");

        var facts = await Planner.GatherAsync(transport, query, root.Path, CancellationToken.None);

        transport.Commands.ShouldBe(1);
        facts.Unparsed.ShouldBeEmpty();
        var file = facts.File("/etc/app/app.conf");
        file.ShouldBe(new FileFact(true, "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03", "0640", "root", "root"));
        facts.File("/etc/app/missing").ShouldBe(FileFact.Absent);
        facts.File("/etc/app").NotARegularFile.ShouldBeTrue();
        facts.Directory("/etc/app").Exists.ShouldBeTrue();
        facts.Directory("/etc/none").ShouldBe(DirectoryFact.Absent);
        facts.Link("/etc/app/current").Target.ShouldBe("/opt/x/1.0");
        facts.Link("/etc/app/app.conf").ShouldBe(LinkFact.Absent);
        File.Exists("/usr/bin/dpkg-query").ShouldBeTrue("this test needs dpkg-query (setup.sh installs dpkg-dev)");
        facts.Package("dpkg").Installed.ShouldBeTrue();
        facts.Package("dpkg").Version.ShouldNotBeNullOrEmpty();
        facts.Package("surely-not-a-package-xyz").ShouldBe(PackageFact.NotInstalled);
        facts.Guards["yes"].ShouldBe(0);
        facts.Guards["no"].ShouldBe(1);
        facts.SysctlValue("kernel.ostype").ShouldBe("Linux");
        facts.SysctlValue("no.such.key").ShouldBeNull();
        facts.Os.Id.ShouldNotBe("unknown");
        facts.FreeDiskKb.ShouldNotBeNull().ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Batched_file_and_folder_facts_match_one_stat_and_sha256sum_per_path()
    {
        // F checks every file and folder with one stat and one sha256sum; odd names must still come back exactly.
        using var root = new TempRoot();
        Directory.CreateDirectory(root["/etc/my app"]);
        Directory.CreateDirectory(root["/etc/back\\slash"]);
        File.WriteAllText(root["/etc/my app/a b.conf"], "x\n");
        File.WriteAllText(root["/etc/empty"], "");
        File.WriteAllText(root["/etc/back\\slash/c.conf"], "y\n");
        File.CreateSymbolicLink(root["/etc/link.conf"], root["/etc/empty"]);
        string[] files = ["/etc/my app/a b.conf", "/etc/empty", "/etc/back\\slash/c.conf", "/etc/link.conf", "/etc/my app", "/etc/none"];
        string[] dirs = ["/etc/my app", "/etc/back\\slash", "/etc/empty", "/etc/none"];
        var query = files.Aggregate(new FactQuery(), (q, f) => q.File(f));
        query = dirs.Aggregate(query, (q, d) => q.Directory(d)).Unit("surely-not-a-unit-xyz");

        var facts = await Planner.GatherAsync(new LocalTestTransport("local"), query, root.Path, CancellationToken.None);

        facts.Unparsed.ShouldBeEmpty();
        foreach (var path in files.Take(4))
        {
            var expected = Tool.Run("sha256sum", [root[path]]).Stdout.Split(' ')[0].TrimStart('\\');
            var f = facts.File(path);
            f.Exists.ShouldBeTrue(path);
            f.Sha256.ShouldBe(expected, path);
            f.Mode.ShouldBe("0" + Tool.Run("stat", ["-L", "-c", "%a", root[path]]).Stdout.Trim(), path);
            f.Owner.ShouldBe("root");
        }
        facts.File("/etc/my app").NotARegularFile.ShouldBeTrue();
        facts.File("/etc/none").ShouldBe(FileFact.Absent);
        facts.Directory("/etc/my app").Exists.ShouldBeTrue();
        facts.Directory("/etc/back\\slash").Exists.ShouldBeTrue();
        facts.Directory("/etc/empty").ShouldBe(DirectoryFact.Absent);
        facts.Directory("/etc/none").ShouldBe(DirectoryFact.Absent);
        facts.Units["surely-not-a-unit-xyz"].Enabled.ShouldBe("not-found");
        FactScript.Build(query, root.Path).Raw.Split('\n').Count(l => l.StartsWith("F ")).ShouldBe(1, "one batched call for every file and folder");
    }

    [Fact]
    public async Task Sysctl_values_read_from_proc_sys_match_the_real_sysctl_tool()
    {
        // Multi-value keys (tabs), a key with a slash path, one that does not exist: each as `sysctl -n` sees it.
        File.Exists("/usr/sbin/sysctl").ShouldBeTrue("this test needs sysctl (procps)");
        string[] keys = ["kernel.ostype", "kernel.printk", "net.ipv4.ip_local_port_range", "kernel/pid_max", "no.such.key"];
        var query = keys.Aggregate(new FactQuery(), (q, k) => q.Sysctl(k));

        var facts = await Planner.GatherAsync(new LocalTestTransport("local"), query, "", CancellationToken.None);

        foreach (var key in keys)
        {
            var psi = new System.Diagnostics.ProcessStartInfo("/usr/sbin/sysctl", ["-n", key]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var sysctl = System.Diagnostics.Process.Start(psi)!;
            var expected = (await sysctl.StandardOutput.ReadToEndAsync()).Trim();
            await sysctl.WaitForExitAsync();
            facts.SysctlValue(key).ShouldBe(expected.Length == 0 ? null : FactParser.NormalizeSysctl(expected), key);
        }
        FactScript.ProcSysPath("net.ipv4.tcp_rmem").ShouldBe("net/ipv4/tcp_rmem");
        FactScript.ProcSysPath("net/ipv4/conf/eth0.100/forwarding").ShouldBe("net/ipv4/conf/eth0.100/forwarding");
    }

    [Fact]
    public async Task File_contents_for_diffs_come_back_exactly()
    {
        using var root = new TempRoot();
        Directory.CreateDirectory(root["/etc"]);
        var text = "line 1\n\ttabbed 'quoted' $VAR ü\n";
        File.WriteAllText(root["/etc/a.conf"], text);
        var result = await new LocalTestTransport("local").RunAsync(FactScript.FileContents(["/etc/a.conf", "/etc/none"], root.Path), CancellationToken.None);
        FactParser.Parse(result.Stdout).FileContents.ShouldBe(new Dictionary<string, string> { ["/etc/a.conf"] = text });
    }

    [Theory]
    [InlineData("relative/path")]
    [InlineData("/etc/with\nnewline")]
    public void Paths_that_could_break_the_script_are_refused(string path) =>
        Should.Throw<ArgumentException>(() => FactScript.Build(new FactQuery().File(path)));

    [Fact]
    public void Names_are_checked_so_a_unit_name_cannot_inject_shell() =>
        Should.Throw<ArgumentException>(() => FactScript.Build(new FactQuery().Unit("x; rm -rf /")));
}

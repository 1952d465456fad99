using System.Diagnostics;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Apply;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;
using Datalyptica.Engine.Transport;
using Datalyptica.Secrets;

namespace Datalyptica.Tests.Engine.Resources;

/// <summary>
/// Issue 13, "On the hosts": files apply writes as root are never readable by group or others before their mode is set,
/// never reached through a link planted at the target or the temp name, and never put in a folder whose owner could
/// redirect them. Runs the real command through <see cref="LocalTransport"/> (the production shell transport) on this
/// machine as root, under a temp folder.
/// </summary>
public sealed class SafeFileWriteTests : IDisposable
{
    private const string SecretValue = "s3cret-'quoted\"-value";
    private readonly TempRoot _root = new();
    private readonly LocalTransport _shell = new("local");

    public void Dispose() => _root.Dispose();

    private async Task<CommandResult> WriteAsync(string target, string content, string owner = "root", string group = "root", string mode = "0600") =>
        await _shell.RunAsync(SafeFileWrite.Command(target, owner, group, mode), CancellationToken.None, content);

    private static UnixFileMode Octal(string mode) => (UnixFileMode)Convert.ToInt32(mode, 8);

    [Fact]
    public async Task A_link_planted_at_the_target_and_at_the_temp_name_is_replaced_and_its_target_never_written()
    {
        var dir = _root["/etc/redis"];
        Directory.CreateDirectory(dir);
        var victim = _root["/victim-shadow"];
        var victimOfTemp = _root["/victim-temp"];
        File.WriteAllText(victim, "root:x:0:\n");
        File.WriteAllText(victimOfTemp, "untouched\n");
        File.SetUnixFileMode(victim, Octal("0600"));
        var target = dir + "/redis.conf";
        File.CreateSymbolicLink(target, victim);
        File.CreateSymbolicLink(SafeFileWrite.TempFor(target), victimOfTemp);

        var result = await WriteAsync(target, $"requirepass {SecretValue}\n", "nobody", "nogroup", "0640");

        result.ExitCode.ShouldBe(0, result.Stderr);
        File.ReadAllText(victim).ShouldBe("root:x:0:\n", "the link's target must not be written");
        File.GetUnixFileMode(victim).ShouldBe(Octal("0600"), "nor its mode changed");
        File.ReadAllText(victimOfTemp).ShouldBe("untouched\n");
        var info = new FileInfo(target);
        info.LinkTarget.ShouldBeNull("the link itself is replaced by a regular file");
        File.ReadAllText(target).ShouldBe($"requirepass {SecretValue}\n");
        info.UnixFileMode.ShouldBe(Octal("0640"));
        Stat(target).ShouldBe("nobody:nogroup");
        Directory.GetFileSystemEntries(dir).ShouldBe([target], "no temp name is left behind");
    }

    [Fact]
    public async Task A_folder_not_owned_by_root_or_a_linked_folder_is_refused_and_nothing_is_written()
    {
        var foreign = _root["/etc/foreign"];
        Directory.CreateDirectory(foreign);
        Chown("nobody", foreign);
        var refused = await WriteAsync(foreign + "/app.conf", SecretValue);
        refused.ExitCode.ShouldBe(1);
        refused.Stderr.ShouldContain($"the folder {foreign} is owned by uid 65534, not root");
        refused.Stderr.ShouldContain($"Fix: chown root {foreign}");
        refused.Stderr.ShouldNotContain(SecretValue);
        Directory.GetFileSystemEntries(foreign).ShouldBeEmpty();

        // A folder above the target owned by someone else is refused too (they could swap the folder below it).
        Directory.CreateDirectory(foreign + "/sub");
        (await WriteAsync(foreign + "/sub/app.conf", "x")).Stderr.ShouldContain($"the folder {foreign} is owned by uid 65534");

        var real = _root["/real"];
        Directory.CreateDirectory(real);
        Directory.CreateSymbolicLink(_root["/linked"], real);
        var linked = await WriteAsync(_root["/linked/app.conf"], "x");
        linked.ExitCode.ShouldBe(1);
        linked.Stderr.ShouldContain($"its folder {_root["/linked"]} is a symbolic link");
        Directory.GetFileSystemEntries(real).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_service_may_own_the_folder_of_its_own_file_but_not_of_a_root_file()
    {
        var data = _root["/var/lib/zk"];
        Directory.CreateDirectory(data);
        Chown("nobody", data);
        (await WriteAsync(data + "/myid", "1\n", "nobody", "nogroup", "0644")).ExitCode.ShouldBe(0);
        File.ReadAllText(data + "/myid").ShouldBe("1\n");
        (await WriteAsync(data + "/root-owned", "x")).ExitCode.ShouldBe(1);
    }

    [Fact]
    public async Task A_failed_write_leaves_no_temp_file_and_no_content()
    {
        var dir = _root["/etc/app"];
        Directory.CreateDirectory(dir);
        Directory.CreateDirectory(dir + "/app.conf"); // a folder in the way: rename(2) fails
        var result = await WriteAsync(dir + "/app.conf", SecretValue);
        result.ExitCode.ShouldBe(1);
        result.Stderr.ShouldContain("rename onto the target");
        Directory.GetFileSystemEntries(dir).ShouldBe([dir + "/app.conf"]);
        (await WriteAsync(dir + "/other.conf", "x", "no-such-user-dl")).Stderr.ShouldContain("there is no user no-such-user-dl");
        Directory.GetFileSystemEntries(dir).ShouldBe([dir + "/app.conf"]);
    }

    /// <summary>
    /// Watches the folder (lstat of every entry in a tight loop) while 150 writes of a 0600 file happen: no entry is
    /// ever seen with a group or other bit, and the watcher must have seen the file many times to count.
    /// </summary>
    [Fact]
    public async Task A_secret_file_is_never_observable_with_group_or_other_bits_during_many_writes()
    {
        var dir = _root["/etc/secret"];
        Directory.CreateDirectory(dir);
        var target = dir + "/key.pem";
        var seen = new List<string>();
        var observations = 0;
        using var stop = new CancellationTokenSource();
        var watcher = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
                foreach (var entry in Directory.EnumerateFileSystemEntries(dir))
                {
                    try
                    {
                        var mode = File.GetUnixFileMode(entry);
                        observations++;
                        if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
                            lock (seen) seen.Add($"{Path.GetFileName(entry)} {mode}");
                    }
                    catch (IOException) { /* renamed away between listing and stat */ }
                    catch (UnauthorizedAccessException) { }
                }
        });
        for (var i = 0; i < 150; i++)
            (await WriteAsync(target, $"{SecretValue} {i}\n")).ExitCode.ShouldBe(0);
        await stop.CancelAsync();
        await watcher;
        seen.ShouldBeEmpty();
        observations.ShouldBeGreaterThan(150, "the watcher must actually have looked");
        File.ReadAllText(target).ShouldBe($"{SecretValue} 149\n");
    }

    /// <summary>
    /// Through apply: a file with a secret is ONE command, exactly <see cref="SafeFileWrite.Command"/> for its path, owner,
    /// group and mode (through the one quoting helper), with the resolved content on stdin, never in the command.
    /// </summary>
    [Fact]
    public async Task Apply_writes_a_secret_file_with_exactly_one_command_and_the_secret_only_on_stdin()
    {
        var secret = new Secret(SecretValue);
        Directory.CreateDirectory(_root["/h1/etc/app"]);
        var file = new FileResource("/h1/etc/app/app.conf", $"password = {SecretPlaceholder.For("vault_app_password")}\n", "app") { Mode = Modes.Private };
        var desired = new[] { new HostDesiredState("h1", [new LayeredResource(Layer.Prerequisites, file)]) };
        var transport = new LocalTestTransport("h1");
        var options = new PlanOptions { Root = _root.Path, ResolveSecret = n => n == "vault_app_password" ? secret : null };
        var plan = await Planner.PlanAsync("test", desired, _ => transport, options, new SecretMasker(secret), CancellationToken.None);
        transport.Log.Clear();

        var result = await PlanApplier.ApplyAsync(plan, _ => transport, new ApplyOptions
        {
            JournalDirectory = _root["/journal"], Artifacts = new ArtifactStore(_root["/artifacts"]),
            ResolveSecret = options.ResolveSecret, Masker = new SecretMasker(secret),
        }, CancellationToken.None);

        result.Status.ShouldBe(ApplyStatus.Completed, result.Message);
        var expected = SafeFileWrite.Command(_root["/h1/etc/app/app.conf"], "root", "root", Modes.Octal(Modes.Private));
        expected.Raw.ShouldBe("perl -e " + RemoteCommand.Quote(SafeFileWrite.Script) + " -- " + RemoteCommand.Quote(_root["/h1/etc/app/app.conf"]) + " root root " + Modes.Octal(Modes.Private));
        transport.Log.Where(l => !l.Contains("audit.log")).ShouldBe([expected.Display]);
        string.Join('\n', transport.Log).ShouldNotContain(SecretValue);
        File.ReadAllText(_root["/h1/etc/app/app.conf"]).ShouldBe($"password = {SecretValue}\n");
        File.GetUnixFileMode(_root["/h1/etc/app/app.conf"]).ShouldBe(Modes.Private);
    }

    private static void Chown(string user, string path) => Run("chown", user, path);

    private static string Stat(string path) => Run("stat", "-c", "%U:%G", path).Trim();

    private static string Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        process.ExitCode.ShouldBe(0, process.StandardError.ReadToEnd());
        return output;
    }
}

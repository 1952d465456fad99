using System.Net.Sockets;
using Datalyptica.Cli;
using Datalyptica.Cli.Daemon;
using Datalyptica.Tests.Engine.Transport;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Cli;

/// <summary>
/// The warm daemon behind `verify` and `plan`: the real binary starts it, later runs reuse it and its SSH sessions (one TCP
/// connection to a real sshd across separate processes), output and exit codes come back unchanged, and it stops on request.
/// </summary>
[Collection(SshdCollection.Name)]
public class DaemonTests(SshdFixture ssh)
{
    [Fact]
    public void Verify_runs_in_a_daemon_the_first_run_starts_and_later_runs_reuse_its_ssh_session()
    {
        var addresses = Enumerable.Range(41, 15).Select(i => $"127.0.0.{i}").ToList();
        using var sshd = SshdServer.Start(ssh.AuthorizedKeys, extraConfig: string.Join('\n', addresses.Select(a => $"ListenAddress {a}")) + "\n");
        using var fixture = new SiteFixture();
        var site = fixture.PathOf("dev");
        CliRunner.Run("inventory", "generate", "--profile", "development", "--ips", fixture.Write("ips.txt", string.Join('\n', addresses) + "\n"),
            "--vip", "127.0.0.100/24", "--out", site, "--vault-password-file", fixture.PasswordFile).ShouldSucceed();
        File.AppendAllText(Path.Combine(site, "group_vars", "all.yml"), $"ansible_port: {sshd.Port}\n");
        var knownHosts = fixture.PathOf("known_hosts");
        foreach (var address in addresses) // the host keys, as an operator records them (ssh-keyscan, once per address)
            File.AppendAllText(knownHosts, Tools.Run("ssh-keyscan", "-p", sshd.Port.ToString(), "-t", sshd.HostKeyType, address).Stdout);
        var host = CliRunner.Run("inventory", "list", site, "-o", "json").Json().GetProperty("hosts")[0].GetProperty("name").GetString()!;
        var runtime = Directory.CreateDirectory(fixture.PathOf("run"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
        var environment = new Dictionary<string, string> { ["XDG_RUNTIME_DIR"] = runtime };
        var binary = Path.Combine(AppContext.BaseDirectory, "datalyptica");
        Tool.Result Cli(params string[] args) => Tool.Run(binary, args, environment: environment, timeoutSeconds: 120);
        string[] verify = ["verify", site, "--component", "os-base", "--host", host, "--known-hosts", knownHosts, "--private-key", ssh.ClientKey,
            "--vault-password-file", fixture.PasswordFile, "-o", "json"];
        var before = sshd.ConnectionsAccepted;
        try
        {
            // This machine is no configured lab host: chrony, our nftables table and node exporter are not all there.
            var first = Cli(verify);
            first.ExitCode.ShouldBe(ExitCodes.Unhealthy, first.Output);
            var daemonSocket = Directory.GetFiles(Path.Combine(runtime, "datalyptica"), "*.sock").ShouldHaveSingleItem();
            var second = Cli(verify);
            second.ExitCode.ShouldBe(ExitCodes.Unhealthy, second.Output);
            second.Stdout.ShouldContain("\"component\": \"os-base\"");
            second.Stdout.ShouldContain($"\"host\": \"{host}\"");

            sshd.ConnectionsAccepted.ShouldBe(before + 1, "two runs, two processes, one SSH connection: the daemon kept it");
            var status = Cli("daemon", "status");
            status.Stdout.ShouldContain("2 run(s)");
            status.Stdout.ShouldContain($"1 SSH session(s) opened, kept: {host}");

            // The same run without the daemon prints the same report (timings aside) and opens its own connection.
            var direct = Tool.Run(binary, verify, environment: new Dictionary<string, string>(environment) { ["DATALYPTICA_DAEMON"] = "off" });
            direct.ExitCode.ShouldBe(ExitCodes.Unhealthy, direct.Output);
            Checks(direct.Stdout).ShouldBe(Checks(second.Stdout));
            sshd.ConnectionsAccepted.ShouldBe(before + 2);

            Cli("daemon", "stop").Stdout.ShouldContain("stopped daemon pid");
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (File.Exists(daemonSocket) && DateTime.UtcNow < deadline) Thread.Sleep(50);
            File.Exists(daemonSocket).ShouldBeFalse("a stopped daemon removes its socket");
        }
        finally
        {
            Cli("daemon", "stop");
        }
    }

    [Fact]
    public void A_daemon_started_by_a_client_with_the_password_in_its_environment_never_holds_it_in_environ_or_argv()
    {
        using var fixture = new SiteFixture();
        var site = fixture.Init("development", "dev");
        File.Delete(Path.Combine(site, ".vault-password")); // the password comes from the client's environment only
        var runtime = Directory.CreateDirectory(fixture.PathOf("run"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
        var environment = new Dictionary<string, string> { ["XDG_RUNTIME_DIR"] = runtime, ["DATALYPTICA_VAULT_PASSWORD"] = SiteFixture.KnownPassword };
        var binary = Path.Combine(AppContext.BaseDirectory, "datalyptica");
        Tool.Result Cli(params string[] args) => Tool.Run(binary, args, environment: environment, timeoutSeconds: 120);
        try
        {
            // plan needs the vault (it refuses without it, DL606): changes pending proves the password reached the run.
            var plan = Cli("plan", site, "--assume-empty");
            plan.ExitCode.ShouldBe(ExitCodes.ChangesPending, plan.Output);
            Directory.GetFiles(Path.Combine(runtime, "datalyptica"), "*.sock").ShouldHaveSingleItem("the plan ran in a daemon");
            var status = Cli("daemon", "status").Stdout;
            var pid = int.Parse(System.Text.RegularExpressions.Regex.Match(status, @"daemon pid (\d+)").Groups[1].Value);
            foreach (var part in new[] { "environ", "cmdline" })
                File.ReadAllText($"/proc/{pid}/{part}").ShouldNotContain(SiteFixture.KnownPassword, Case.Sensitive, $"the daemon's {part}");
        }
        finally
        {
            Cli("daemon", "stop");
        }
    }

    [Fact]
    public async Task The_daemon_relays_output_and_exit_code_unchanged_and_refuses_commands_that_change_hosts()
    {
        using var fixture = new SiteFixture();
        var site = fixture.Init("development", "dev");
        var socketPath = Path.Combine(Directory.CreateDirectory(fixture.PathOf("run")).FullName, "test.sock");
        await using var server = new DaemonServer(socketPath, TimeSpan.FromMinutes(1), TextWriter.Null);
        var serving = Task.Run(server.RunAsync);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!File.Exists(socketPath) && DateTime.UtcNow < deadline) await Task.Delay(20);
        string[] plan = ["plan", site, "--assume-empty", "--vault-password-file", fixture.PasswordFile];
        try
        {
            var (code, stdout, stderr) = Relay(socketPath, plan);
            var inProcess = CliRunner.RunWithWidth(240, plan);
            code.ShouldBe(2, stderr); // changes pending on empty hosts
            code.ShouldBe(inProcess.ExitCode);
            stdout.ShouldBe(inProcess.Out);
            stdout.ShouldNotContain(SiteFixture.KnownPassword);

            var (refused, _, refusal) = Relay(socketPath, ["apply", site]);
            (refused, refusal).ShouldBe((1, ""));
            Relay(socketPath, ["init", "--out", fixture.PathOf("x")]).Stdout.ShouldContain("the daemon runs only verify and plan");
            Directory.Exists(fixture.PathOf("x")).ShouldBeFalse();
        }
        finally
        {
            using var socket = DaemonClient.Connect(socketPath)!;
            using var stream = new NetworkStream(socket);
            DaemonProtocol.WriteFrame(stream, DaemonProtocol.Stop, []);
            await serving.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    private static (int Code, string Stdout, string Stderr) Relay(string socketPath, string[] args)
    {
        using var socket = DaemonClient.Connect(socketPath).ShouldNotBeNull();
        using var stream = new NetworkStream(socket);
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        var code = DaemonClient.Relay(stream, new RunRequest(args, Environment.CurrentDirectory, OutputRedirected: true, Width: 0), stdout, stderr);
        return (code, System.Text.Encoding.UTF8.GetString(stdout.ToArray()), System.Text.Encoding.UTF8.GetString(stderr.ToArray()));
    }

    // Component, host, check and status of each check, without the latencies that differ from run to run.
    private static List<string> Checks(string json) =>
        System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("checks").EnumerateArray()
            .Select(c => $"{c.GetProperty("component")}|{c.GetProperty("host")}|{c.GetProperty("check")}|{c.GetProperty("status")}").ToList();
}

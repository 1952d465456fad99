using System.Diagnostics;
using Datalyptica.Components.Redis;
using Datalyptica.Contracts;
using Datalyptica.Sites;
using Datalyptica.Tests.Cli;
using Datalyptica.Tests.Engine.Transport;

namespace Datalyptica.Tests.Verification;

/// <summary>
/// `verify` end to end over real SSH: a development site whose hosts are loopback addresses served by one real sshd;
/// real redis-servers listen on the Redis hosts' own addresses and are reached only through each host's SSH session
/// (direct-tcpip to the host's own address). The password comes from the site's vault and must never print.
/// </summary>
[Collection(SshdCollection.Name)]
public class VerifyOverSshTests(SshdFixture ssh)
{
    [Fact]
    public void Verify_over_ssh_probes_redis_through_each_hosts_session_reports_units_honestly_and_prints_no_secret()
    {
        var addresses = Enumerable.Range(31, 15).Select(i => $"127.0.0.{i}").ToList();
        using var sshd = SshdServer.Start(ssh.AuthorizedKeys, extraConfig:
            string.Join('\n', addresses.Select(a => $"ListenAddress {a}")) + "\nMaxStartups 100\nAllowTcpForwarding yes\n");
        using var fixture = new SiteFixture();
        var ips = fixture.Write("ips.txt", string.Join('\n', addresses) + "\n");
        var siteDir = fixture.PathOf("dev");
        CliRunner.Run("inventory", "generate", "--profile", "development", "--ips", ips, "--vip", "127.0.0.140/24",
            "--out", siteDir, "--vault-password-file", fixture.PasswordFile).ShouldSucceed();
        File.AppendAllText(Path.Combine(siteDir, "group_vars", "all.yml"), $"ansible_port: {sshd.Port}\n");
        var knownHosts = fixture.PathOf("known_hosts");
        var hostKey = File.ReadAllText(sshd.HostKeyPath + ".pub").Trim();
        File.WriteAllLines(knownHosts, addresses.Select(a => $"[{a}]:{sshd.Port} {hostKey}"));

        var password = GeneratedSite.DecryptSecrets(siteDir, fixture.Password)[RedisComponent.PasswordKey];
        var site = SiteLoader.Load(siteDir, () => fixture.Password).Site.ShouldNotBeNull();
        var data = site.HostsWith(RedisComponent.Data).ToList();
        data.Count.ShouldBeGreaterThanOrEqualTo(2);
        var ports = data.ToDictionary(h => h.Name, _ => ServerProcess.FreePort());
        foreach (var host in data)
            File.AppendAllText(Path.Combine(siteDir, "host_vars", host.Name + ".yml"), $"\nredis_port: {ports[host.Name]}\n");
        var servers = new List<ServerProcess>();
        var dir = Directory.CreateTempSubdirectory("dl-verify-ssh-redis-").FullName;
        try
        {
            foreach (var (host, i) in data.Select((h, i) => (h, i)))
            {
                // Bound to the host's own address only: nothing on 127.0.0.1 answers, so a probe that did not go through the host's session fails.
                List<string> args = ["--port", ports[host.Name].ToString(), "--bind", host.Address.ToString(), "--dir", dir, "--dbfilename", $"{host.Name}.rdb",
                    "--save", "", "--requirepass", password, "--masterauth", password];
                if (i > 0) args.AddRange(["--replicaof", data[0].Address.ToString(), ports[data[0].Name].ToString()]);
                servers.Add(ServerProcess.Start(host.Name, "redis-server", args));
            }
            Thread.Sleep(300);

            var clock = Stopwatch.StartNew();
            CliResult result = null!;
            var deadline = DateTime.UtcNow.AddSeconds(20);
            do
            {
                result = CliRunner.Run("verify", siteDir, "--component", "redis", "--vault-password-file", fixture.PasswordFile,
                    "--known-hosts", knownHosts, "--private-key", ssh.ClientKey, "--timeout", "5", "-o", "json");
            } while (!result.Out.Contains($"{data.Count - 1} of {data.Count - 1} replicas connected to it") && DateTime.UtcNow < deadline);
            var elapsed = clock.Elapsed;

            result.ExitCode.ShouldBe(Datalyptica.Cli.ExitCodes.Unhealthy, result.ToString()); // no Sentinel runs in this test
            var json = result.Json();
            var checks = json.GetProperty("checks").EnumerateArray().ToList();
            string Status(string host, string check) => checks.Single(c => c.GetProperty("host").GetString() == host && c.GetProperty("check").GetString() == check)
                .GetProperty("status").GetString()!;
            Status(data[0].Name, "ping + role").ShouldBe("healthy", result.ToString());
            foreach (var replica in data.Skip(1)) Status(replica.Name, "ping + role").ShouldBe("healthy", result.ToString());
            Status("cluster", "primary").ShouldBe("healthy", result.ToString());
            checks.Where(c => c.GetProperty("check").GetString() == "sentinel").ShouldAllBe(c => c.GetProperty("status").GetString() != "healthy");
            UnitsAreReportedAsThisMachinesSystemctlSees(site, checks, result.ToString());
            json.GetProperty("healthy").GetBoolean().ShouldBeFalse();
            json.GetProperty("summary").GetProperty("failed").GetInt32().ShouldBeGreaterThan(0);

            var human = CliRunner.Run("verify", siteDir, "--component", "redis", "--vault-password-file", fixture.PasswordFile,
                "--known-hosts", knownHosts, "--private-key", ssh.ClientKey);
            human.Out.ShouldContain("NOT healthy:");
            human.Out.ShouldContain($"PONG; master with {data.Count - 1} replica(s)");
            foreach (var secret in GeneratedSite.DecryptSecrets(siteDir, fixture.Password).Values)
            {
                result.All.ShouldNotContain(secret);
                human.All.ShouldNotContain(secret);
            }
            elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(25));
        }
        finally
        {
            foreach (var s in servers) s.Dispose();
            Directory.Delete(dir, true);
        }
    }

    /// <summary>
    /// Units are read over SSH with one systemctl per host, and every host of this site is this machine: the same command
    /// run here says what verify must report, whichever init runs here. In a container systemctl refuses ("System has not
    /// been booted with systemd") and verify reports that refusal for each host instead of guessing any unit's state; on a
    /// machine booted with systemd each unit is reported in its real state (Debian's redis-server unit comes with the
    /// redis-server binary this test runs; the site's other units are usually absent here, "unit not found").
    /// </summary>
    private static void UnitsAreReportedAsThisMachinesSystemctlSees(Datalyptica.Model.Site site, List<System.Text.Json.JsonElement> checks, string output)
    {
        var wanted = Datalyptica.Verification.Verifier.UnitsByHost(site)
            .Select(kv => (Host: kv.Key, Units: kv.Value.Where(u => u.Component == "redis").Select(u => u.Unit).Distinct().ToList()))
            .Where(h => h.Units.Count > 0).ToList();
        wanted.Count.ShouldBeGreaterThanOrEqualTo(2);
        var asked = wanted.SelectMany(h => h.Units).Distinct().ToList();
        var local = Datalyptica.Tests.Rendering.Tool.Run("bash", ["-c", Datalyptica.Verification.UnitStates.Command(asked)]);
        IEnumerable<System.Text.Json.JsonElement> Of(string host) => checks.Where(c => c.GetProperty("host").GetString() == host);
        if (local.ExitCode != 0)
        {
            var refusal = local.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).First();
            foreach (var (host, _) in wanted)
            {
                var units = Of(host).Single(c => Field(c, "component") == "host" && Field(c, "check") == "units");
                Field(units, "status").ShouldBe("failed", output);
                Field(units, "detail").ShouldContain(refusal, Case.Sensitive, output);
                Of(host).ShouldNotContain(c => Field(c, "check").StartsWith("unit "), output);
            }
            return;
        }
        var states = Datalyptica.Verification.UnitStates.Parse(local.Stdout, asked);
        foreach (var (host, units) in wanted)
        {
            Of(host).ShouldNotContain(c => Field(c, "component") == "host", output);
            if (!units.Any(u => states.GetValueOrDefault(u) is { Exists: true }))
            {
                Field(Of(host).Single(c => Field(c, "check") == "installed"), "status").ShouldBe("missing", output);
                continue;
            }
            foreach (var unit in units)
            {
                var state = states.GetValueOrDefault(unit);
                var check = Of(host).Single(c => Field(c, "check") == $"unit {unit}");
                Field(check, "status").ShouldBe(state is { Active: true } ? "healthy" : "failed", $"{host} {unit}: {output}");
                Field(check, "detail").ShouldContain(state is { Exists: true } ? state.ActiveState : "unit not found", Case.Sensitive, output);
            }
        }
    }

    private static string Field(System.Text.Json.JsonElement check, string name) => check.GetProperty(name).GetString()!;

    [Fact]
    public void Unknown_hosts_are_refused_and_a_bad_component_or_host_name_is_a_clear_error()
    {
        using var fixture = new SiteFixture();
        var siteDir = fixture.PathOf("dev");
        var ips = fixture.Write("ips.txt", string.Join('\n', Enumerable.Range(51, 15).Select(i => $"127.0.0.{i}")) + "\n");
        CliRunner.Run("inventory", "generate", "--profile", "development", "--ips", ips, "--vip", "127.0.0.160/24",
            "--out", siteDir, "--vault-password-file", fixture.PasswordFile).ShouldSucceed();
        var bad = CliRunner.Run("verify", siteDir, "--component", "etc", "--vault-password-file", fixture.PasswordFile).ShouldFail();
        bad.Err.ShouldContain("--component etc: no such component; did you mean etcd?");
        CliRunner.Run("verify", siteDir, "--host", "nohost", "--vault-password-file", fixture.PasswordFile).ShouldExit(Datalyptica.Cli.ExitCodes.Usage).Err.ShouldContain("--limit 'nohost': 'nohost' matches no host or group");

        // No sshd listens on these addresses' port 22 here, and nothing is in known_hosts: every host fails to be reached, once.
        File.AppendAllText(Path.Combine(siteDir, "group_vars", "all.yml"), $"ansible_port: {SshdServer.FreeLoopbackPort()}\n");
        var result = CliRunner.Run("verify", siteDir, "--component", "etcd", "--vault-password-file", fixture.PasswordFile,
            "--known-hosts", fixture.PathOf("empty_known_hosts"), "--private-key", ssh.ClientKey, "--timeout", "2", "-o", "json").ShouldFail();
        var checks = result.Json().GetProperty("checks").EnumerateArray().ToList();
        checks.ShouldNotBeEmpty();
        checks.ShouldAllBe(c => c.GetProperty("check").GetString() == "reach" && c.GetProperty("status").GetString() == "failed");
    }
}

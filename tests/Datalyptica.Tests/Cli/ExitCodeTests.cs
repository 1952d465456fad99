using Datalyptica.Cli;
using Datalyptica.Tests.Engine.Transport;

namespace Datalyptica.Tests.Cli;

/// <summary>
/// Exit 4 (apply failed) and 6 (drill failed) through the real CLI, without a lab: the site's 15 hosts are loopback
/// addresses with nothing listening on their SSH port, so every connection is refused on this machine and nothing
/// anywhere changes (known_hosts, journal and certificates go to the test's temp folder).
/// </summary>
public sealed class ExitCodeTests : IDisposable
{
    private readonly SiteFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    /// <summary>The unreachable loopback site, with a throwaway key so the failure is the refused connection itself.</summary>
    private string Site(int firstAddress)
    {
        var site = LoopbackSites.Unreachable(_fx, "dev", firstAddress);
        var key = _fx.PathOf("id_ed25519");
        Tools.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).ExitCode.ShouldBe(0);
        File.AppendAllText(Path.Combine(site, "group_vars", "all.yml"), $"ansible_ssh_private_key_file: {key}\n");
        return site;
    }

    private string[] Ssh => ["--vault-password-file", _fx.PasswordFile, "--known-hosts", _fx.PathOf("known_hosts")];

    [Fact]
    public void Apply_exits_4_when_a_host_cannot_be_reached_while_planning()
    {
        var result = CliRunner.Run(["apply", Site(101), "--limit", "db01", .. Ssh]).ShouldExit(ExitCodes.ApplyFailed);
        result.Err.ShouldContain("Could not connect to host 'db01' at 127.0.0.103:");
        result.Err.ShouldContain("ConnectionRefused");
        result.Err.ShouldContain("error: apply failed: a host could not be reached or read while planning, so no host was changed.");
        result.Err.ShouldContain("--limit 'all:!db01'");
        File.Exists(_fx.PathOf("known_hosts")).ShouldBeFalse("no host key may be recorded");
    }

    /// <summary>A saved plan is applied without planning again: the refused connection fails the first layer, journalled.</summary>
    [Fact]
    public void Apply_of_a_saved_plan_exits_4_when_a_host_cannot_be_reached_and_journals_it()
    {
        var site = Site(121);
        var saved = _fx.PathOf("plan.json");
        CliRunner.Run(["plan", site, "--assume-empty", "--limit", "db01", "--out", saved, .. Ssh]).ShouldExit(ExitCodes.ChangesPending);
        File.ReadAllText(saved).ShouldNotContain("UploadArtifact", Case.Sensitive, "nothing may be downloaded by this test");

        var result = CliRunner.Run(["apply", site, "--plan", saved, "--limit", "db01", .. Ssh]).ShouldExit(ExitCodes.ApplyFailed);
        result.Err.ShouldContain("error: db01: could not connect in layer prerequisites, nothing ran there: Could not connect to host 'db01'");
        result.Err.ShouldContain("error: apply failed: layer prerequisites failed on db01; later layers were not started (journal: ");
        var journal = Directory.GetFiles(Path.Combine(site, ".datalyptica", "journal")).ShouldHaveSingleItem();
        File.ReadAllText(journal).ShouldContain("\"event\":\"run-failed\"");
    }

    /// <summary>
    /// A drill checks the cluster before it injects anything; a cluster it cannot reach fails the drill (exit 6), with
    /// why. Exit 6 for a drill that ran and missed its limit needs a lab (the Lab tests).
    /// </summary>
    [Fact]
    public void Drill_exits_6_when_its_first_check_of_the_cluster_fails()
    {
        var result = CliRunner.Run(["drill", Site(141), "patroni-stop", "--vault-password-file", _fx.PasswordFile, "-o", "json"])
            .ShouldExit(ExitCodes.DrillFailed);
        var drill = result.Json().GetProperty("drills").EnumerateArray().ShouldHaveSingleItem();
        drill.GetProperty("passed").GetBoolean().ShouldBeFalse();
        drill.GetProperty("failures").EnumerateArray().ShouldHaveSingleItem().GetString()!
            .ShouldContain("Could not connect to host 'db01' at 127.0.0.143:");
    }
}

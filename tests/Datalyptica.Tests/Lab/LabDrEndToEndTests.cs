using System.Diagnostics;
using System.Text.Json;
using Datalyptica.Components.Patroni;
using Datalyptica.Components.PostgreSQL;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Drilling;
using Datalyptica.Drills;
using Datalyptica.Lab;
using Datalyptica.Tests.Cli;
using Npgsql;
using Xunit.Abstractions;

namespace Datalyptica.Tests.Lab;

/// <summary>
/// Active-passive DR on two labs (bench/lab-dr.sh; its last measured result is in docs/RUNBOOK.md, "Disaster recovery"):
/// lab e2e-dra (dl-labtest6, 10.77.92.0/24) is the primary site, lab e2e-drb (dl-labtest7, 10.77.93.0/24) its standby,
/// routed between their two bridges only. Measured: the standby's lag under the drills' writes; a "primary site lost"
/// drill (every primary host's init KILLed mid-write), `dr promote`, then writes on the standby's VIP (RTO) and the
/// acknowledged rows the promoted site lacks (RPO); failback: the old primary boots, is refused a demoting apply, and
/// `dr rebuild` makes it the new standby, streaming the rows the new primary took.
/// </summary>
[Trait("Category", "Lab")]
[Collection(LabCollection.Name)]
public sealed class LabDrEndToEndTests(ITestOutputHelper output)
{
    private static readonly LabOptions Primary = new() { Name = "e2e-dra", Bridge = "dl-labtest6", Subnet = "10.77.92" };
    private static readonly LabOptions Standby = new() { Name = "e2e-drb", Bridge = "dl-labtest7", Subnet = "10.77.93" };

    [LabProofFact]
    public async Task The_standby_site_streams_takes_over_when_the_primary_site_is_lost_and_the_old_primary_fails_back_as_its_standby()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(60));
        var ct = timeout.Token;
        var a = new LabManager(Primary, output.WriteLine);
        var b = new LabManager(Standby, output.WriteLine);
        try
        {
            await a.DownAsync(ct);
            await b.DownAsync(ct);
            var siteA = (await a.UpAsync(3, null, ct, recreate: true)).Site;
            var siteB = (await b.UpAsync(3, null, ct, recreate: true)).Site;
            await output.TimedAsync("lab dr-link", () => new LabDrLink(Primary, Standby, output.WriteLine).LinkAsync(ct));
            await Task.Run(() => output.Timed("apply the primary site", () => CliRunner.Run("apply", "--auto-approve", siteA)).ShouldSucceed(), ct);
            await Task.Run(() => output.Timed("apply the standby site (clones from the primary)", () => CliRunner.Run("apply", "--auto-approve", siteB)).ShouldSucceed(), ct);
            await Task.Run(() => CliRunner.Run("verify", siteB, "--wait", "180").ShouldSucceed(), ct);
            var first = Status(siteB);
            first.GetProperty("streaming").GetBoolean().ShouldBeTrue();
            first.GetProperty("source").GetString()!.ShouldStartWith($"{Primary.Subnet}.100:");

            // The standby's lag while the drills' writer writes to the primary site's VIP (about 20 commits a second).
            var contextA = SiteDrillContext.Open(siteA, output.WriteLine);
            await PatroniDrills.WaitWholeAsync(contextA, TimeSpan.FromSeconds(90), ct);
            var (writer, ledger, running, stop) = await PostgresWriteLoad.StartAsync(contextA, ct);
            var lags = new List<(long Bytes, double Seconds)>();
            for (var i = 0; i < 10; i++)
            {
                await Task.Delay(TimeSpan.FromSeconds(2), ct);
                var s = await Task.Run(() => Status(siteB), ct);
                lags.Add((s.GetProperty("lagBytes").GetInt64(), s.GetProperty("lagSeconds").GetDouble()));
            }
            output.WriteLine($"lag under writes: bytes max {lags.Max(l => l.Bytes)}, median {lags.Select(l => l.Bytes).Order().ElementAt(lags.Count / 2)}; " +
                             $"seconds max {lags.Max(l => l.Seconds):0.00}");
            lags.Max(l => l.Seconds).ShouldBeLessThan(5, "the standby keeps up with the drills' write rate");

            // The primary site is lost: every host's init is KILLed while the writes run.
            var lost = Stopwatch.StartNew();
            foreach (var host in contextA.Site.Hosts) contextA.CrashLabHost(host.Name);
            var crashedAt = ledger.Now;
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            await stop.CancelAsync();
            await running;
            output.WriteLine($"primary site lost at {crashedAt.TotalSeconds:0.00} s into the writes; {ledger.AcknowledgedKeys.Count} writes acknowledged");
            var status = await Task.Run(() => CliRunner.Run("dr", "status", siteB, "--output", "json"), ct);
            output.WriteLine(status.All);
            status.ExitCode.ShouldNotBe(0, "nothing streams once the primary site is gone");

            // dr promote, then the first write through the standby site's VIP: the operator-free part of the RTO.
            var contextB = SiteDrillContext.Open(siteB, output.WriteLine);
            var rto = Stopwatch.StartNew();
            var promote = await Task.Run(() => output.Timed("dr promote", () => CliRunner.Run("dr", "promote", siteB, "--yes", "--output", "json")), ct);
            output.WriteLine(promote.All);
            promote.ShouldSucceed();
            var writerB = new PostgresWriter(DrillSteps.FrontendVip(contextB).Address, PostgresWriteLoad.PrimaryPort(contextB),
                contextB.Secret(PostgresLayout.SuperuserPasswordKey), writer.Run, new WriteLedger());
            await contextB.WaitUntilAsync("a write through the standby site's VIP", async c =>
            {
                await using var db = new NpgsqlConnection(writerB.ConnectionString);
                await db.OpenAsync(c);
                await using var insert = new NpgsqlCommand($"INSERT INTO {PostgresWriter.Table} (run, seq) VALUES ('dr-probe', {Environment.TickCount64})", db);
                await insert.ExecuteNonQueryAsync(c);
                return null;
            }, TimeSpan.FromSeconds(120), ct, TimeSpan.FromMilliseconds(200));
            var recovery = rto.Elapsed;
            var account = WriteAccount.From(ledger, await writerB.PresentKeysAsync(ct));
            var lastSecond = ledger.Attempts.Count(x => x.Acknowledged && x.Ended > crashedAt - TimeSpan.FromSeconds(1) && x.Ended <= crashedAt);
            output.WriteLine($"RTO: writes on the standby site's VIP {recovery.TotalSeconds:0.0} s after `dr promote` started " +
                             $"({lost.Elapsed.TotalSeconds:0.0} s after the crash, the operator's reaction included); " +
                             $"RPO: {account.Lost} of {account.Acknowledged} acknowledged rows missing on the promoted site " +
                             $"({lastSecond} were acknowledged in the last second before the crash)");
            recovery.ShouldBeLessThan(TimeSpan.FromMinutes(1), "the goal: under a minute of operator-free time after dr promote");
            // Asynchronous streaming: the loss is bounded by the lag measured above (under 5 s of writes, about 100 rows).
            account.Lost.ShouldBeLessThan(100);
            // Until its inventory says primary, verify says what is left to do.
            var declared = await Task.Run(() => CliRunner.Run("verify", siteB), ct);
            declared.ExitCode.ShouldNotBe(0);
            declared.All.ShouldContain("set datalyptica_site_role: primary");

            // Failback: the lost site boots again (its Patroni elects a leader of its own: the operator fences it), the
            // pair is linked the other way round, the new primary admits it, and its demoting apply is refused.
            foreach (var host in contextA.Site.Hosts) await contextA.StartLabHostAsync(host.Name, ct);
            await output.TimedAsync("lab dr-link (roles swapped)", () => new LabDrLink(Standby, Primary, output.WriteLine).LinkAsync(ct));
            await Task.Run(() => output.Timed("apply the new primary (keeps the slot, admits the old one)", () => CliRunner.Run("apply", "--auto-approve", siteB)).ShouldSucceed(), ct);
            await Task.Run(() => CliRunner.Run("verify", siteB, "--wait", "180").ShouldSucceed(), ct);
            await PatroniDrills.WaitWholeAsync(SiteDrillContext.Open(siteA, output.WriteLine), TimeSpan.FromSeconds(120), ct);
            var demote = await Task.Run(() => CliRunner.Run("apply", "--auto-approve", siteA), ct);
            output.WriteLine(demote.All);
            demote.ExitCode.ShouldNotBe(0);
            demote.All.ShouldContain("would demote it");
            var rebuild = await Task.Run(() => output.Timed("dr rebuild (the old primary becomes the standby)", () => CliRunner.Run("dr", "rebuild", siteA, "--yes", "--output", "json")), ct);
            output.WriteLine(rebuild.All);
            rebuild.ShouldSucceed();
            await Task.Run(() => output.Timed("apply the new standby (nothing refused now)", () => CliRunner.Run("apply", "--auto-approve", siteA)).ShouldSucceed(), ct);
            Status(siteA).GetProperty("streaming").GetBoolean().ShouldBeTrue();
            // What the new primary holds reaches the new standby: the rows of the run, read on a replica of site A.
            var contextAgain = SiteDrillContext.Open(siteA, output.WriteLine);
            var onA = new PostgresWriter(DrillSteps.FrontendVip(contextAgain).Address,
                contextAgain.Site.Hosts.First().Port(global::Datalyptica.Components.HAProxy.HAProxyComponent.PostgresReplicas),
                contextAgain.Secret(PostgresLayout.SuperuserPasswordKey), writer.Run, new WriteLedger());
            await contextAgain.WaitUntilAsync("the run's rows on the new standby", async c =>
                (await onA.PresentKeysAsync(c)).Count == account.Present ? null : "not all rows yet", TimeSpan.FromSeconds(60), ct);
        }
        finally
        {
            await b.DownAsync(CancellationToken.None);
            await a.DownAsync(CancellationToken.None);
        }
    }

    private JsonElement Status(string site)
    {
        var result = CliRunner.Run("dr", "status", site, "--output", "json");
        output.WriteLine(result.All);
        return JsonDocument.Parse(result.Out).RootElement;
    }
}

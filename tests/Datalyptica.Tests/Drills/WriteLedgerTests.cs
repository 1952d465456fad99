using Datalyptica.Components.Patroni;
using Datalyptica.Contracts.Drilling;

namespace Datalyptica.Tests.Drills;

/// <summary>The drills' arithmetic: outage, time from the fault, longest gap, acknowledged against present.</summary>
public sealed class WriteLedgerTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);
    private static WriteAttempt Ok(long key, double start, double end) => new(S(start), S(end), key, true);
    private static WriteAttempt Fail(long key, double start, double end) => new(S(start), S(end), key, false, "refused");

    [Fact]
    public void Recovery_counts_only_writes_started_after_the_fault()
    {
        // Write 2 started before the fault and was acknowledged after it: it proves nothing about the failover.
        var attempts = new[] { Ok(1, 0.0, 0.1), Ok(2, 0.9, 1.3), Fail(3, 1.3, 3.3), Ok(4, 3.4, 3.5) };
        WriteLedger.RecoveryAfter(attempts, S(1.0)).ShouldBe(S(2.5));
        WriteLedger.RecoveryAfter(attempts, S(4.0)).ShouldBeNull();
    }

    [Fact]
    public void Outage_runs_from_the_last_acknowledgement_before_the_first_failure_to_the_first_after_it()
    {
        // A clean stop: the leader still acknowledges for a moment after the command, then refuses, then a new leader answers.
        var attempts = new[]
        {
            Ok(1, 0.0, 0.05), Ok(2, 1.0, 1.05), Ok(3, 1.1, 1.15), Fail(4, 1.2, 1.22), Fail(5, 1.3, 3.3), Ok(6, 3.3, 4.0), Ok(7, 4.1, 4.15),
        };
        var window = WriteLedger.Window(attempts, S(1.0), S(4.1))!;
        window.Start.ShouldBe(S(0.05));
        window.End.ShouldBe(S(4.15));
        window.Longest.ShouldBe(new AckGap(S(1.15), S(4.0)));
        window.Outage.ShouldBe(S(2.85));
        window.FromFault.ShouldBe(S(3.0));
        window.Failed.Select(a => a.Key).ShouldBe([4L, 5L]);
    }

    [Fact]
    public void Not_recovered_until_a_write_is_acknowledged_at_or_after_the_end_of_the_watch()
    {
        WriteLedger.Window([Ok(1, 0, 0.1), Fail(2, 1.1, 3.1)], S(1.0), S(2.0)).ShouldBeNull();
        // Acknowledged again after the fault but not after the watch ended: not over yet.
        WriteLedger.Window([Ok(1, 0, 0.1), Ok(2, 1.1, 1.2), Fail(3, 1.3, 3.3)], S(1.0), S(2.0)).ShouldBeNull();
    }

    [Fact]
    public void Longest_gap_counts_the_window_edges()
    {
        var attempts = new[] { Ok(1, 0, 0.1), Ok(2, 0.2, 0.3), Fail(3, 0.35, 0.4), Ok(4, 1.0, 1.5), Ok(5, 1.6, 1.7) };
        WriteLedger.LongestGap(attempts, S(0), S(2.5)).ShouldBe(S(1.2)); // 0.3 -> 1.5
        WriteLedger.LongestGap(attempts, S(1.7), S(4.0)).ShouldBe(S(2.3)); // nothing acknowledged after 1.7
        WriteLedger.LongestGap([], S(0), S(1)).ShouldBe(S(1));
    }

    [Fact]
    public void Lost_is_every_acknowledged_key_not_present_and_extra_rows_are_not_loss()
    {
        // Key 9 committed but its acknowledgement never arrived (the session was cut): present without being acknowledged.
        WriteLedger.Lost([1, 2, 3, 4], [1, 3, 4, 9]).ShouldBe([2L]);
        WriteLedger.Lost([1, 2], [1, 2, 9]).ShouldBeEmpty();
    }

    [Fact]
    public void Account_counts_attempts_acknowledgements_failures_and_loss()
    {
        var ledger = new WriteLedger();
        foreach (var a in new[] { Ok(1, 0, 0.1), Fail(2, 0.2, 0.3), Ok(3, 0.4, 0.5), Ok(4, 0.6, 0.7) }) ledger.Record(a);
        var account = WriteAccount.From(ledger, [1, 4]);
        account.Attempted.ShouldBe(4);
        account.Acknowledged.ShouldBe(3);
        account.Failed.ShouldBe(1);
        account.Present.ShouldBe(2);
        account.Lost.ShouldBe(1);
        account.LostKeys.ShouldBe([3L]);
        account.ToString().ShouldBe("3 acknowledged, 2 present, 1 lost (1 failed attempts of 4)");
    }

    [Fact]
    public void A_result_passes_only_with_every_time_in_its_limit_no_loss_and_no_failure()
    {
        var within = new DrillMeasurement("t", S(1), S(2));
        var info = new DrillMeasurement("i", S(100), TimeSpan.MaxValue);
        var settings = new Dictionary<string, string>();
        new DrillResult("d", [within, info], settings, null, [], [], S(1)).Passed.ShouldBeTrue();
        info.Informational.ShouldBeTrue();
        new DrillResult("d", [within with { Value = S(3) }], settings, null, [], [], S(1)).Passed.ShouldBeFalse();
        new DrillResult("d", [within with { Value = null }], settings, null, [], [], S(1)).Passed.ShouldBeFalse();
        new DrillResult("d", [within], settings, new WriteAccount(2, 2, 0, 1, [2]), [], [], S(1)).Passed.ShouldBeFalse();
        new DrillResult("d", [within], settings, null, ["cluster not whole"], [], S(1)).Passed.ShouldBeFalse();
        (within with { Value = null }).ToString().ShouldBe("t: never (limit 2 s) FAILED");
    }

    [Fact]
    public void Patroni_cluster_json_parses_members_and_roles()
    {
        const string json = """
            {"members": [
              {"name": "lab01", "role": "leader", "state": "running", "api_url": "http://10.77.0.11:8008/patroni", "host": "10.77.0.11", "port": 5432, "timeline": 4},
              {"name": "lab02", "role": "sync_standby", "state": "streaming", "host": "10.77.0.12", "port": 5432, "timeline": 4, "lag": 0},
              {"name": "lab03", "role": "replica", "state": "starting", "host": "10.77.0.13", "port": 5432}
            ], "scope": "lab-default"}
            """;
        var members = PatroniCluster.Parse(json);
        members.Select(m => (m.Name, m.Role, m.Healthy)).ShouldBe([("lab01", "leader", true), ("lab02", "sync_standby", true), ("lab03", "replica", false)]);
        members.Single(m => m.IsLeader).Host.ShouldBe("10.77.0.11");
    }
}

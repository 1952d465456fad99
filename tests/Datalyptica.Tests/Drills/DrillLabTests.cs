using Datalyptica.Contracts.Drilling;
using Datalyptica.Drills;
using Datalyptica.Lab;
using Datalyptica.Tests.Lab;
using Xunit.Abstractions;

namespace Datalyptica.Tests.Drills;

/// <summary>Runs only where the default lab is up (its state.json exists) and this is root; otherwise skipped with the reason.</summary>
public sealed class DrillLabFactAttribute : FactAttribute
{
    public static readonly string LabDirectory = Path.Combine(LabOptions.DefaultRoot, "default");
    public static string Site => Path.Combine(LabDirectory, "site");

    public DrillLabFactAttribute()
    {
        if (!File.Exists(Path.Combine(LabDirectory, "state.json")))
            Skip = $"failover drills need the default lab up and converged: {LabDirectory}/state.json is absent. Fix: datalyptica lab up && datalyptica apply {Site}";
        else if (LabManager.CheckPreconditions() is { Count: > 0 } problems)
            Skip = "failover drills crash lab hosts, which needs root and systemd-nspawn: " + string.Join(" ", problems);
    }
}

/// <summary>
/// What each drill must show beyond the shared verdict (<see cref="DrillVerdict"/>): one check per drill, run by the
/// per-drill tests below on a running default lab, and by the HA-core end-to-end test in CI on every drill of `drill all`.
/// </summary>
public static class DrillExpectations
{
    public static void Check(DrillResult result)
    {
        // The shared verdict: no failure, times measured and within their limits, writes acknowledged and none lost.
        DrillVerdict.Problems(result).ShouldBeEmpty(result.Drill);
        result.DeclaresWrites.ShouldBe(DrillRunner.Declared.Single(d => d.Name == result.Drill).Writes, result.Drill);
        switch (result.Drill)
        {
            case "patroni-stop":
                result.Writes!.Acknowledged.ShouldBeGreaterThan(20);
                break;
            case "patroni-crash":
                result.Settings.Keys.ShouldContain("worst case for a leader crash");
                result.Settings.Keys.ShouldContain("etcd Raft leader at the crash");
                break;
            case "patroni-partition":
                result.Measurements.ShouldContain(m => m.Name.StartsWith("the isolated leader") && m.Value != null);
                result.Notes.ShouldContain(n => n.Contains("rejoined as") && n.Contains("no manual step"));
                break;
            case "vip-split":
                result.Notes.ShouldContain(n => n.StartsWith("while VRRP was cut") && n.Contains(" and "), "the cut made two holders");
                break;
            case "redis-crash":
                result.Notes.Where(n => n.Contains("seed keys")).ShouldNotBeEmpty();
                result.Notes.Where(n => n.Contains("seed keys")).ShouldAllBe(n => n.Contains("100/100 seed keys"));
                break;
            case "redis-partition":
                result.Settings.Keys.ShouldContain("plain writes (SET OK) lost");
                result.Measurements.ShouldContain(m => m.Name.Contains("NOREPLICAS") && m.Value != null);
                break;
            case "etcd-stop":
                result.Notes.ShouldContain(n => n.StartsWith("Patroni leader unchanged"));
                break;
            case "etcd-quorum-loss":
                result.Settings["patroni failsafe_mode (live, DCS)"].ShouldBe("True", StringCompareShould.IgnoreCase);
                result.Notes.ShouldContain(n => n.Contains("(still the primary)"));
                break;
            case "zookeeper-crash":
                result.Notes.ShouldContain(n => n.Contains("serving again"));
                break;
            case "power-loss":
                result.Measurements.Count.ShouldBe(2);
                break;
        }
    }
}

/// <summary>
/// Each drill against the running default lab (the real Patroni, HAProxy, Keepalived, Redis + Sentinel, etcd and
/// ZooKeeper), under real writes through the VIP. Each drill leaves the lab whole again, or fails saying what is not.
/// The same checks run in CI on a lab the HA-core end-to-end test boots (<see cref="DrillExpectations"/>).
/// </summary>
[Trait("Category", "Lab")]
[Collection(LabCollection.Name)]
public sealed class DrillLabTests(ITestOutputHelper output)
{
    private async Task<DrillResult> Run(string drill)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var log = new List<string>();
        var results = await DrillRunner.RunAsync(DrillLabFactAttribute.Site, drill, line => { lock (log) log.Add(line); output.WriteLine(line); }, timeout.Token);
        var result = results.ShouldHaveSingleItem();
        // The database and Redis passwords were used on every write; none may reach the log or the result.
        var password = new Datalyptica.Secrets.Secret(File.ReadAllText(Path.Combine(DrillLabFactAttribute.Site, Datalyptica.Sites.SiteLoader.SiteVaultPasswordFile)).Trim());
        var text = string.Join("\n", log.Concat(result.Notes).Concat(result.Failures).Concat(result.Settings.Values).Concat(result.Measurements.Select(m => m.Name)));
        foreach (var secret in Datalyptica.Sites.SiteWriter.ReadSecrets(DrillLabFactAttribute.Site, password).Values.Select(v => v.Reveal()).Where(v => v.Length >= 8))
            text.ShouldNotContain(secret);
        foreach (var m in result.Measurements) output.WriteLine(m.ToString());
        foreach (var (k, v) in result.Settings) output.WriteLine($"{k}: {v}");
        foreach (var n in result.Notes) output.WriteLine(n);
        DrillExpectations.Check(result);
        return result;
    }

    [Fact]
    public async Task An_unknown_drill_is_refused_with_the_known_names()
    {
        var e = await Should.ThrowAsync<DrillException>(() => DrillRunner.RunAsync("/nonexistent", "patroni-stpo", _ => { }, CancellationToken.None));
        e.Message.ShouldContain("patroni-stop");
        e.Message.ShouldContain("etcd-stop");
    }

    [DrillLabFact] public Task Patroni_leader_stop_writes_through_the_vip_again_within_5_s_and_nothing_lost() => Run("patroni-stop");
    [DrillLabFact] public Task Patroni_leader_host_crash_writes_again_within_30_s_and_nothing_lost() => Run("patroni-crash");
    [DrillLabFact] public Task Patroni_leader_partition_fails_over_within_30_s_the_isolated_leader_steps_down_within_its_ttl_and_rejoins() => Run("patroni-partition");
    [DrillLabFact] public Task Vip_holder_keepalived_stop_moves_the_vip_within_1_s() => Run("vip-stop");
    [DrillLabFact] public Task Vip_holder_crash_moves_the_vip_within_2_s() => Run("vip-crash");
    [DrillLabFact] public Task Vrrp_split_heals_to_exactly_one_holder_the_preferred_node() => Run("vip-split");
    [DrillLabFact] public Task Redis_master_kill_promotes_within_5_s_and_the_restarted_master_wipes_nobody() => Run("redis-crash");
    [DrillLabFact] public Task Redis_master_partition_promotes_bounds_the_plain_loss_and_loses_no_write_a_replica_confirmed() => Run("redis-partition");
    [DrillLabFact] public Task Etcd_member_stop_keeps_etcd_writable_and_patroni_leading_with_no_write_gap_over_1_s() => Run("etcd-stop");
    [DrillLabFact] public Task Etcd_quorum_loss_keeps_writes_going_under_failsafe_mode_and_loses_nothing() => Run("etcd-quorum-loss");
    [DrillLabFact] public Task Zookeeper_leader_kill_elects_a_new_leader_within_5_s_and_the_member_rejoins() => Run("zookeeper-crash");
    [DrillLabFact] public Task Power_loss_of_every_host_recovers_by_itself_with_nothing_lost() => Run("power-loss");
}

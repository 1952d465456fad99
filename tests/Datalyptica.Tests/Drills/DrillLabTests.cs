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
/// Each drill against the running default lab (the real Patroni, HAProxy, Keepalived, Redis + Sentinel and etcd), under
/// real writes through the VIP. Each drill leaves the lab whole again, or fails saying what is not.
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
        // The shared verdict: no failure, times measured and within their limits, writes acknowledged and none lost.
        DrillVerdict.Problems(result).ShouldBeEmpty(drill);
        result.DeclaresWrites.ShouldBe(DrillRunner.Declared.Single(d => d.Name == drill).Writes);
        return result;
    }

    [Fact]
    public async Task An_unknown_drill_is_refused_with_the_known_names()
    {
        var e = await Should.ThrowAsync<DrillException>(() => DrillRunner.RunAsync("/nonexistent", "patroni-stpo", _ => { }, CancellationToken.None));
        e.Message.ShouldContain("patroni-stop");
        e.Message.ShouldContain("etcd-stop");
    }

    [DrillLabFact]
    public async Task Patroni_leader_stop_writes_through_the_vip_again_within_5_s_and_nothing_lost()
    {
        var result = await Run("patroni-stop");
        result.Writes.ShouldNotBeNull().Lost.ShouldBe(0);
        result.Writes!.Acknowledged.ShouldBeGreaterThan(20);
    }

    [DrillLabFact]
    public async Task Patroni_leader_host_crash_writes_again_within_30_s_and_nothing_lost()
    {
        var result = await Run("patroni-crash");
        result.Writes.ShouldNotBeNull().Lost.ShouldBe(0);
        result.Settings.Keys.ShouldContain("worst case for a leader crash");
    }

    [DrillLabFact]
    public async Task Vip_holder_keepalived_stop_moves_the_vip_within_1_s() => await Run("vip-stop");

    [DrillLabFact]
    public async Task Vip_holder_crash_moves_the_vip_within_2_s() => await Run("vip-crash");

    [DrillLabFact]
    public async Task Redis_master_kill_promotes_within_5_s_and_the_restarted_master_wipes_nobody()
    {
        var result = await Run("redis-crash");
        result.Notes.Where(n => n.Contains("seed keys")).ShouldAllBe(n => n.Contains("100/100 seed keys"));
    }

    [DrillLabFact]
    public async Task Etcd_member_stop_keeps_etcd_writable_and_patroni_leading_with_no_write_gap_over_1_s()
    {
        var result = await Run("etcd-stop");
        result.Notes.ShouldContain(n => n.StartsWith("Patroni leader unchanged"));
    }

    [DrillLabFact]
    public async Task Patroni_leader_partition_fails_over_within_30_s_the_isolated_leader_steps_down_within_its_ttl_and_rejoins()
    {
        var result = await Run("patroni-partition");
        result.Measurements.ShouldContain(m => m.Name.StartsWith("the isolated leader") && m.Value != null);
        result.Notes.ShouldContain(n => n.Contains("rejoined as") && n.Contains("no manual step"));
    }

    [DrillLabFact]
    public async Task Vrrp_split_heals_to_exactly_one_holder_the_preferred_node()
    {
        var result = await Run("vip-split");
        result.Notes.ShouldContain(n => n.StartsWith("while VRRP was cut") && n.Contains(" and "));
    }

    [DrillLabFact]
    public async Task Etcd_quorum_loss_keeps_writes_going_under_failsafe_mode_and_loses_nothing()
    {
        var result = await Run("etcd-quorum-loss");
        result.Settings["patroni failsafe_mode (live, DCS)"].ShouldBe("True", StringCompareShould.IgnoreCase);
    }

    [DrillLabFact]
    public async Task Power_loss_of_every_host_recovers_by_itself_with_nothing_lost() => await Run("power-loss");

    [DrillLabFact]
    public async Task Zookeeper_leader_kill_elects_a_new_leader_within_5_s_and_the_member_rejoins() => await Run("zookeeper-crash");
}

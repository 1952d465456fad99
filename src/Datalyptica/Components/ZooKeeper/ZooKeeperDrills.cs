using Datalyptica.Contracts;
using Datalyptica.Contracts.Drilling;
using Datalyptica.Model;

namespace Datalyptica.Components.ZooKeeper;

/// <summary>
/// ZooKeeper's drill (zookeeper-crash): the leader's JVM KILLed. Its peers see the quorum connections close at once and
/// elect a new leader (fast leader election); the limit is on the time until a survivor reports itself leader with the
/// other following. A leader whose host vanishes without closing its connections is noticed only after syncLimit ticks
/// (5 x zookeeper_tick_ms): that case is the host crash, not this drill.
/// </summary>
public static class ZooKeeperDrills
{
    // Issue 19: "new leader in under 5 s".
    public static readonly TimeSpan ElectionLimit = TimeSpan.FromSeconds(5);

    public static readonly IDrill Crash = new Drill("zookeeper-crash", 70, ElectionLimit, [ZooKeeperSettings.TickMs.Key], CrashAsync);

    public static readonly IReadOnlyList<IDrill> All = [Crash];

    /// <summary>The host's own member answering `srvr` on its client port: its Mode (leader, follower), or null when it does not serve.</summary>
    public static async Task<string?> ModeAsync(DrillContext context, Host host, CancellationToken cancellation)
    {
        try
        {
            // The rolling gate's own srvr command (bash's /dev/tcp), run the way apply's gate runs it.
            var result = await context.RunAsync(host, $"bash -c {Contracts.Hosts.RemoteCommand.Quote(ZooKeeperComponent.Rolling(host).HealthCheck)}", cancellation, TimeSpan.FromSeconds(3));
            return result.Succeeded ? ZooKeeperHealth.ParseMode(result.Stdout) : null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested) { return null; }
    }

    private static async Task<IReadOnlyDictionary<Host, string?>> ModesAsync(DrillContext context, IEnumerable<Host> hosts, CancellationToken cancellation)
    {
        var list = hosts.ToList();
        var modes = await Task.WhenAll(list.Select(h => ModeAsync(context, h, cancellation)));
        return list.Zip(modes).ToDictionary(p => p.First, p => p.Second);
    }

    private static async Task CrashAsync(DrillContext context, DrillRecorder recorder, CancellationToken cancellation)
    {
        var members = context.Site.HostsWith(ZooKeeperComponent.Member).ToList();
        if (members.Count < 3) throw new DrillException($"zookeeper-crash needs an ensemble of 3 or more; the site has {members.Count}");
        recorder.Setting("zookeeper tickTime / syncLimit", $"{ZooKeeperSettings.TickMs.ReadLong(context.Site)} ms / 5 ticks");
        IReadOnlyDictionary<Host, string?> before = new Dictionary<Host, string?>();
        await context.WaitUntilAsync("ZooKeeper with one leader and every other member following", async ct =>
        {
            before = await ModesAsync(context, members, ct);
            return before.Count(m => m.Value == "leader") == 1 && before.Count(m => m.Value == "follower") == members.Count - 1 ? null
                : string.Join(", ", before.Select(m => $"{m.Key.Name} {m.Value ?? "not serving"}"));
        }, TimeSpan.FromSeconds(90), cancellation, TimeSpan.FromSeconds(2));
        var leader = before.Single(m => m.Value == "leader").Key;
        var survivors = members.Where(h => h != leader).ToList();
        context.Log($"ZooKeeper leader: {leader.Name}");

        var clock = new WriteLedger(); // only its clock: the fault is marked once the SSH session is open
        var fault = await DrillSteps.FaultAsync(context, leader, $"systemctl kill -s KILL {ZooKeeperRenderer.Id}", clock, cancellation);
        TimeSpan? elected = null;
        var last = "";
        while (clock.Now - fault < ElectionLimit + TimeSpan.FromSeconds(25))
        {
            var modes = await ModesAsync(context, survivors, cancellation);
            last = string.Join(", ", modes.Select(m => $"{m.Key.Name} {m.Value ?? "not serving"}"));
            if (modes.Count(m => m.Value == "leader") == 1 && modes.Count(m => m.Value == "follower") == survivors.Count - 1)
            {
                elected = clock.Now - fault;
                break;
            }
            await Task.Delay(100, cancellation);
        }
        recorder.Measure("from the leader's KILL to a new leader with every survivor following", elected, ElectionLimit);
        recorder.Note($"after the KILL of {leader.Name}'s ZooKeeper: {last}");

        // systemd starts the killed member again (Restart=on-failure); it must rejoin as a follower.
        var rejoined = await context.WaitUntilAsync($"{leader.Name}'s ZooKeeper following again", async ct =>
            await ModeAsync(context, leader, ct) is "follower" or "leader" ? null : "not serving yet", DrillSteps.WholeAgainWithin, cancellation, TimeSpan.FromSeconds(1));
        recorder.Note($"{leader.Name} serving again {rejoined.TotalSeconds:0} s after the election (systemd restarted it)");
        await context.WaitComponentHealthyAsync(ZooKeeperRenderer.Id, DrillSteps.WholeAgainWithin, cancellation);
    }
}

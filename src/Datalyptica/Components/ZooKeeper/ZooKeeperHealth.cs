using System.Collections.Concurrent;
using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.ZooKeeper;

/// <summary>ZooKeeper: four-letter words on the client port: <c>ruok</c> → imok, <c>srvr</c> → Mode; one leader, the rest followers.</summary>
public sealed class ZooKeeperHealth : IHealthProbe
{
    /// <summary>The Mode line of <c>srvr</c> (leader, follower, standalone, observer), or null when absent (not serving).</summary>
    public static string? ParseMode(string srvr) =>
        srvr.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("Mode:", StringComparison.Ordinal))?["Mode:".Length..].Trim();

    /// <summary>The rolling-restart gate: a member serves again once srvr says leader or follower.</summary>
    public static readonly Contracts.OutputJudge ServingJudge = new("zookeeper-mode", srvr =>
        ParseMode(srvr) is "leader" or "follower" ? null : $"srvr Mode: {ParseMode(srvr) ?? "none (not serving)"}");

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation)
    {
        var configured = context.Members(ZooKeeperComponent.Member).Count;
        var modes = new ConcurrentDictionary<string, string>();
        var checks = await ProbeKit.PerHostAsync(context, context.Hosts, host =>
        [
            context.CheckAsync(host, "ruok", async (access, ct) =>
            {
                var answer = await ProbeClients.FourLetterWordAsync(await ProbeKit.EndpointAsync(access, host, ZooKeeperComponent.Client, ct), "ruok", ct);
                return ProbeOutcome.When(answer.Trim() == "imok", answer.Trim() == "imok" ? "imok"
                    : $"answered '{ProbeKit.Short(answer)}' (want imok; is ruok in 4lw.commands.whitelist?)");
            }, cancellation),
            context.CheckAsync(host, "mode", async (access, ct) =>
            {
                var answer = await ProbeClients.FourLetterWordAsync(await ProbeKit.EndpointAsync(access, host, ZooKeeperComponent.Client, ct), "srvr", ct);
                var mode = ParseMode(answer);
                if (mode is null) return ProbeOutcome.Fail($"srvr has no Mode: '{ProbeKit.Short(answer)}'");
                modes[host.Name] = mode;
                var expected = configured == 1 ? mode == "standalone" : mode is "leader" or "follower" or "observer";
                return ProbeOutcome.When(expected, configured > 1 && mode == "standalone"
                    ? $"standalone, but the site configures {configured} members: its zoo.cfg lists no ensemble"
                    : mode);
            }, cancellation),
        ]);
        if (!context.ClusterChecks || configured < 2) return checks;
        var leaders = modes.Where(m => m.Value == "leader").Select(m => m.Key).Order(StringComparer.Ordinal).ToList();
        var followers = modes.Count(m => m.Value == "follower");
        checks.Add(context.Cluster("leader", ProbeOutcome.When(leaders.Count == 1 && followers == configured - 1,
            $"{leaders.Count} leader{(leaders.Count == 1 ? $" ({leaders[0]})" : "s")}, {followers} of {configured - 1} followers")));
        return checks;
    }
}

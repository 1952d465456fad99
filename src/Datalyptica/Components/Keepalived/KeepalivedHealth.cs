using System.Collections.Concurrent;
using System.Net;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.Keepalived;

/// <summary>Keepalived: which hosts hold each VIP (<c>ip -o addr</c> over SSH, read-only); exactly one must.</summary>
public sealed class KeepalivedHealth : IHealthProbe
{
    public const string Command = "ip -o addr show";

    /// <summary>Whether <c>ip -o addr show</c> lists the address on any interface.</summary>
    public static bool Holds(string ipOutput, IPAddress address) =>
        ipOutput.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(f => f.Length > 3 && f[2] is "inet" or "inet6" && f[3].Split('/')[0] == address.ToString());

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation)
    {
        var vips = context.Site.Vips.Where(v => context.Site.HostsInGroup(v.Group).Any(h => h.Has(KeepalivedComponent.Node))).ToList();
        var holders = new ConcurrentDictionary<(string Vip, string Host), bool>();
        var checks = await ProbeKit.PerHostAsync(context, context.Hosts, host =>
            vips.Where(v => context.Site.HostsInGroup(v.Group).Contains(host)).Select(vip =>
                context.CheckAsync(host, $"vip {vip.Name}", async (access, ct) =>
                {
                    var result = await access.RunAsync(Command, ct);
                    if (!result.Succeeded) return ProbeOutcome.Fail($"`{Command}` failed (exit {result.ExitCode}): {ProbeKit.Short(result.Stderr)}");
                    var holds = Holds(result.Stdout, vip.Address);
                    holders[(vip.Name, host.Name)] = holds;
                    return ProbeOutcome.Ok(holds ? $"holds {vip.Address}" : "backup");
                }, cancellation)));
        if (!context.ClusterChecks) return checks;
        foreach (var vip in vips)
        {
            var holding = holders.Where(h => h.Key.Vip == vip.Name && h.Value).Select(h => h.Key.Host).Order(StringComparer.Ordinal).ToList();
            checks.Add(context.Cluster($"vip {vip.Name}", ProbeOutcome.When(holding.Count == 1, holding.Count switch
            {
                1 => $"{vip.Address} held by {holding[0]}",
                0 => $"{vip.Address} held by no host: clients of the VIP have no service",
                _ => $"{vip.Address} held by {holding.Count} hosts ({string.Join(", ", holding)}): split brain",
            })));
        }
        return checks;
    }
}

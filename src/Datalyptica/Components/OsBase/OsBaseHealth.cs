using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.OsBaseLayer;

/// <summary>
/// The OS base layer on every host: chrony's tracking (over SSH), our nftables table loaded, node exporter's /metrics.
/// In a container chronyd runs with -x and never sets the clock (the machine's clock is the host's): reported as a
/// warning that says so, never as a synchronised clock.
/// </summary>
public sealed class OsBaseHealth : IHealthProbe
{
    public const string ChronyCommand = "chronyc -n tracking";
    public const string NftCommand = "nft list tables";

    public sealed record Tracking(string Reference, string LeapStatus, string SystemTime)
    {
        public bool Synchronised => LeapStatus is "Normal" or "Insert second" or "Delete second";
    }

    /// <summary><c>chronyc -n tracking</c>'s "Key : value" lines; null when it has none (daemon not answering).</summary>
    public static Tracking? ParseTracking(string output)
    {
        var fields = output.Split('\n').Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.Ordinal);
        return fields.TryGetValue("Leap status", out var leap)
            ? new Tracking(fields.GetValueOrDefault("Reference ID", ""), leap, fields.GetValueOrDefault("System time", ""))
            : null;
    }

    public static bool HasTable(string nftTables) =>
        nftTables.Split('\n').Any(l => l.Trim() == $"table inet {Nftables.Table}");

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation) =>
        await ProbeKit.PerHostAsync(context, context.Hosts, host =>
        [
            context.CheckAsync(host, "chrony", async (access, ct) =>
            {
                var result = await access.RunAsync(ChronyCommand, ct);
                var tracking = ParseTracking(result.Stdout);
                if (tracking is null) return ProbeOutcome.Fail($"`{ChronyCommand}` exit {result.ExitCode}: {ProbeKit.Short(result.Stdout + result.Stderr)}");
                var state = $"leap {tracking.LeapStatus}, reference {tracking.Reference}, {tracking.SystemTime}";
                var container = OsBaseSettings.Container.Read(context.Site, host);
                if (container)
                    return new ProbeOutcome(HealthStatus.Warning, $"container: chronyd -x tracks but never sets the clock (the machine owns it); {state}");
                return ProbeOutcome.When(tracking.Synchronised, tracking.Synchronised ? state : $"not synchronised: {state}. Fix: check chrony_servers are reachable from {host.Name}");
            }, cancellation),
            context.CheckAsync(host, "nftables", async (access, ct) =>
            {
                var result = await access.RunAsync(NftCommand, ct);
                if (!result.Succeeded) return ProbeOutcome.Fail($"`{NftCommand}` exit {result.ExitCode}: {ProbeKit.Short(result.Stderr)}");
                return ProbeOutcome.When(HasTable(result.Stdout), HasTable(result.Stdout)
                    ? $"table inet {Nftables.Table} loaded"
                    : $"table inet {Nftables.Table} not loaded (tables: {ProbeKit.Short(result.Stdout.ReplaceLineEndings(", "))}). Fix: systemctl restart nftables on {host.Name}");
            }, cancellation),
            ProbeKit.MetricsAsync(context, host, "node exporter", OsBase.NodeExporter, null, cancellation),
        ]);
}

using Datalyptica.Components.HAProxy;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Drilling;

namespace Datalyptica.Components.PostgreSQL;

/// <summary>
/// The write load the PostgreSQL-side drills (Patroni, etcd, Keepalived) run: a client that only knows the VIP and
/// HAProxy's primary port, writing as the superuser into its own run's rows.
/// </summary>
public static class PostgresWriteLoad
{
    /// <summary>HAProxy's primary port (the first HAProxy host's, as every client sees it through the VIP).</summary>
    public static int PrimaryPort(DrillContext context) =>
        context.Site.HostsWith(HAProxyComponent.Node).Select(h => h.Port(HAProxyComponent.PostgresPrimary)).FirstOrDefault(HAProxyComponent.PostgresPrimary.Number);

    /// <summary>Starts the VIP writer, waits for steady acknowledgements, returns it running.</summary>
    public static async Task<(PostgresWriter Writer, WriteLedger Ledger, Task Running, CancellationTokenSource Stop)> StartAsync(
        DrillContext context, CancellationToken cancellation)
    {
        var ledger = new WriteLedger();
        var writer = new PostgresWriter(DrillSteps.FrontendVip(context).Address, PrimaryPort(context), context.Secret(PostgresLayout.SuperuserPasswordKey),
            $"{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid():N}"[..24], ledger);
        await writer.EnsureTableAsync(cancellation);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var running = Task.Run(() => writer.RunAsync(stop.Token), CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellation);
        if (ledger.AcknowledgedKeys.Count < 10)
        {
            await stop.CancelAsync();
            await running;
            throw new DrillException($"the writer got only {ledger.AcknowledgedKeys.Count} writes acknowledged through {DrillSteps.FrontendVip(context).Address}:{PrimaryPort(context)} in 2 s before any fault; the cluster is not healthy. Fix: datalyptica verify {context.Directory}");
        }
        return (writer, ledger, running, stop);
    }
}

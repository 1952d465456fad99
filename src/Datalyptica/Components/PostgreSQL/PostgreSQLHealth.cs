using System.Net;
using Datalyptica.Components.HAProxy;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Health;
using Datalyptica.Model;
using Datalyptica.Secrets;
using Npgsql;

namespace Datalyptica.Components.PostgreSQL;

/// <summary>
/// PostgreSQL: each member accepts the monitor user and says whether it is in recovery; through the VIP, HAProxy's
/// primary port answers as a primary (<c>pg_is_in_recovery() = false</c>) and its replicas port as a replica; the
/// postgres exporter reports pg_up 1.
/// </summary>
public sealed class PostgreSQLHealth : IHealthProbe
{
    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation)
    {
        var password = context.Secret(PostgresLayout.MonitorPasswordKey);
        var checks = await ProbeKit.PerHostAsync(context, context.Hosts, host =>
        [
            context.CheckAsync(host, "accepts connections", async (access, ct) =>
            {
                if (password is null) return MissingSecret();
                var inRecovery = await InRecoveryAsync(await ProbeKit.EndpointAsync(access, host, PostgreSQLComponent.Server, ct), password, context.Timeout, ct);
                return ProbeOutcome.Ok(inRecovery ? "replica (in recovery)" : "primary");
            }, cancellation),
            ProbeKit.MetricsAsync(context, host, "exporter", PostgreSQLComponent.Exporter, "pg_up", cancellation),
        ]);
        if (!context.ClusterChecks) return checks;

        var proxies = context.Site.HostsWith(HAProxyComponent.Node).ToList();
        if (proxies.Count == 0) return checks;
        var vip = Vip(context.Site, proxies);
        var members = context.Members(PostgreSQLComponent.Member).Count;
        var pools = new List<(PortSpec Port, bool WantRecovery, string Name)>();
        // A standby site has no primary until `dr promote`: its primary pool is empty by design (HAProxyHealth).
        if (!Patroni.PatroniStandbySite.IsStandby(context.Site)) pools.Add((HAProxyComponent.PostgresPrimary, false, "primary"));
        if (members > 1) pools.Add((HAProxyComponent.PostgresReplicas, true, "replica"));
        // Both pools at once: a pool with no server up makes HAProxy hold the connection until the probe times out.
        checks.AddRange(await Task.WhenAll(pools.Select(pool =>
        {
            var (port, wantRecovery, name) = pool;
            var proxy = proxies[0];
            var address = vip?.ToString() ?? proxy.Address.ToString();
            var check = $"via {(vip is null ? proxy.Name : "VIP")} :{proxy.Port(port)} ({name})";
            return context.TimedAsync(HealthCheck.ClusterScope, check, async ct =>
            {
                if (password is null) return MissingSecret();
                // Through the first proxy's SSH session: the VIP is on its subnet, wherever it is held.
                var access = await context.AccessAsync(proxy, ct);
                var inRecovery = await InRecoveryAsync(await access.EndpointAsync(address, proxy.Port(port), ct), password, context.Timeout, ct);
                return ProbeOutcome.When(inRecovery == wantRecovery,
                    $"{address}:{proxy.Port(port)} answered as {(inRecovery ? "a replica" : "the primary")}" + (inRecovery == wantRecovery ? "" : $"; want the {name}"));
            }, cancellation);
        })));
        return checks;
    }

    private static ProbeOutcome MissingSecret() =>
        ProbeOutcome.Fail($"{PostgresLayout.MonitorPasswordKey} is not in the vault. Fix: pass the vault password (--vault-password-file) or add it");

    /// <summary>The load balancers' VIP (the one whose group holds HAProxy nodes), or null when the site has none.</summary>
    public static IPAddress? Vip(Site site, IReadOnlyList<Host> proxies) =>
        site.Vips.FirstOrDefault(v => site.HostsInGroup(v.Group).Any(h => proxies.Contains(h)))?.Address;

    /// <summary>Connects as the monitor user (no pooling: each probe is one real connection) and asks pg_is_in_recovery().</summary>
    public static async Task<bool> InRecoveryAsync(IPEndPoint endpoint, Secret password, TimeSpan timeout, CancellationToken cancellation)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = endpoint.Address.ToString(),
            Port = endpoint.Port,
            Username = PostgresLayout.MonitorUser,
            Password = password.Reveal(),
            Database = "postgres",
            Pooling = false,
            Timeout = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds)),
            SslMode = SslMode.Prefer,
            ApplicationName = "datalyptica-verify",
        };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellation);
        await using var command = new NpgsqlCommand("select pg_is_in_recovery()", connection);
        return (bool)(await command.ExecuteScalarAsync(cancellation))!;
    }
}

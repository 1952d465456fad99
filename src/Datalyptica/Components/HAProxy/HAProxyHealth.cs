using Datalyptica.Components.Patroni;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.HAProxy;

/// <summary>
/// HAProxy: the stats page (CSV) on each node: the PostgreSQL primary pool has exactly one server UP, the replicas
/// pool at least one, and no other backend is DOWN; the built-in Prometheus exporter answers /metrics.
/// </summary>
public sealed class HAProxyHealth : IHealthProbe
{
    public sealed record StatsRow(string Proxy, string Server, string Status);

    /// <summary>HAProxy's <c>;csv</c> stats: a "# pxname,svname,...,status,..." header, then one row per frontend, server and backend.</summary>
    public static IReadOnlyList<StatsRow> ParseCsv(string csv)
    {
        var lines = csv.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0 || !lines[0].StartsWith("# ", StringComparison.Ordinal)) throw new InvalidDataException("not HAProxy CSV stats (no '# pxname,...' header)");
        var header = lines[0][2..].Split(',');
        int Column(string name) => Array.IndexOf(header, name) is var i and >= 0 ? i : throw new InvalidDataException($"HAProxy CSV has no '{name}' column");
        int px = Column("pxname"), sv = Column("svname"), status = Column("status");
        return lines.Skip(1).Select(l => l.Split(',')).Where(f => f.Length > status)
            .Select(f => new StatsRow(f[px], f[sv], f[status])).ToList();
    }

    /// <summary>
    /// What the stats say, judged: PostgreSQL pools by Patroni role, then any other backend down. A standby site's primary
    /// pool is empty by design: its standby leader is in recovery and answers /primary with 503 until `dr promote`.
    /// </summary>
    public static ProbeOutcome Judge(IReadOnlyList<StatsRow> rows, int postgresMembers, bool standbySite = false)
    {
        string Up(string proxy) => $"{rows.Count(r => r.Proxy == proxy && IsServer(r) && IsUp(r))}/{rows.Count(r => r.Proxy == proxy && IsServer(r))}";
        int UpCount(string proxy) => rows.Count(r => r.Proxy == proxy && IsServer(r) && IsUp(r));
        var problems = new List<string>();
        var parts = new List<string>();
        if (postgresMembers > 0)
        {
            var primary = UpCount("postgres_primary");
            parts.Add($"postgres_primary {Up("postgres_primary")} up");
            if (standbySite && primary != 0) problems.Add($"postgres_primary has {primary} server(s) up, but the site is declared a standby: after `dr promote`, set datalyptica_site_role: primary and apply");
            if (!standbySite && primary != 1) problems.Add($"postgres_primary has {primary} servers up (want exactly 1: the Patroni leader)");
            if (postgresMembers > 1)
            {
                parts.Add($"postgres_replicas {Up("postgres_replicas")} up");
                if (UpCount("postgres_replicas") < 1) problems.Add("postgres_replicas has no server up");
            }
        }
        // Pools that may be empty by design: sync/async split depends on synchronous_node_count.
        var optional = new HashSet<string>(StringComparer.Ordinal) { "postgres_primary", "postgres_replicas", "postgres_sync", "postgres_async", "stats", "prometheus" };
        var down = rows.Where(r => r.Server == "BACKEND" && !optional.Contains(r.Proxy) && !r.Status.StartsWith("UP", StringComparison.Ordinal)).Select(r => r.Proxy).ToList();
        if (down.Count > 0) problems.Add($"backends down: {string.Join(", ", down)}");
        parts.Add($"{rows.Count(r => r.Server == "BACKEND")} backends");
        return ProbeOutcome.When(problems.Count == 0, string.Join("; ", problems.Count > 0 ? problems.Concat(parts) : parts));
    }

    private static bool IsServer(StatsRow r) => r.Server is not ("FRONTEND" or "BACKEND");
    private static bool IsUp(StatsRow r) => r.Status.StartsWith("UP", StringComparison.Ordinal);

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation)
    {
        var postgresMembers = context.Members(PatroniComponent.Member).Count;
        return await ProbeKit.PerHostAsync(context, context.Hosts, host =>
        [
            context.CheckAsync(host, "backends", async (access, ct) =>
            {
                var answer = await ProbeClients.GetAsync(await ProbeKit.EndpointAsync(access, host, HAProxyComponent.Stats, ct), "/;csv", ct);
                if (answer.Status != 200) return ProbeOutcome.Fail($"GET :{host.Port(HAProxyComponent.Stats)}/;csv → {answer.Status}");
                return Judge(ParseCsv(answer.Body), postgresMembers, PatroniStandbySite.IsStandby(context.Site));
            }, cancellation),
            ProbeKit.MetricsAsync(context, host, "exporter", HAProxyComponent.Exporter, null, cancellation),
        ]);
    }
}

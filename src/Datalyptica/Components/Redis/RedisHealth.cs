using System.Collections.Concurrent;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Health;
using Datalyptica.Model;

namespace Datalyptica.Components.Redis;

/// <summary>
/// Redis: PING and INFO replication (read by <see cref="RedisReplication"/>) on every data node (exactly one master; every replica connected to it); Sentinel: PING,
/// SENTINEL CKQUORUM and the master every Sentinel names, which must be the Redis master; the exporter's redis_up.
/// </summary>
public sealed class RedisHealth : IHealthProbe
{
    /// <summary>SENTINEL GET-MASTER-ADDR-BY-NAME's reply as ADDRESS:PORT, or null when the Sentinel monitors no such master.</summary>
    public static string? ParseMasterAddress(RespValue reply) =>
        reply.Items is [{ Text: { } ip }, { Text: { } port }] ? $"{ip}:{port}" : null;

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation)
    {
        var site = context.Site;
        var name = RedisRenderer.MasterName(site);
        var password = context.Secret(RedisComponent.PasswordKey);
        var data = context.Members(RedisComponent.Data);
        var roles = new ConcurrentDictionary<string, RedisReplication>();
        var named = new ConcurrentDictionary<string, string>();

        var checks = await ProbeKit.PerHostAsync(context, context.Hosts, host =>
        {
            var list = new List<Task<HealthCheck>>();
            if (host.Has(RedisComponent.Data))
            {
                list.Add(context.CheckAsync(host, "ping + role", async (access, ct) =>
                {
                    if (password is null) return ProbeOutcome.Fail($"{RedisComponent.PasswordKey} is not in the vault. Fix: pass the vault password (--vault-password-file) or add it");
                    var replies = await ProbeClients.RedisAsync(await ProbeKit.EndpointAsync(access, host, RedisComponent.Server, ct), password,
                        [["PING"], ["INFO", "replication"]], ct);
                    if (replies[0].Text != "PONG") return ProbeOutcome.Fail($"PING answered {replies[0]}");
                    if (replies[1].IsError) return ProbeOutcome.Fail($"PONG; INFO replication answered {replies[1]}");
                    var role = RedisReplication.Parse(replies[1].Text ?? "");
                    roles[host.Name] = role;
                    var problem = role.ServingProblem();
                    return role.IsMaster ? ProbeOutcome.Ok($"PONG; master with {role.ConnectedReplicas} replica(s)")
                        : role.IsReplica ? ProbeOutcome.When(problem is null, $"PONG; replica of {role.MasterAddress}, link {role.LinkStatus}")
                        : ProbeOutcome.Fail($"PONG; {problem}");
                }, cancellation));
                list.Add(ProbeKit.MetricsAsync(context, host, "exporter", RedisComponent.Exporter, "redis_up", cancellation));
            }
            if (host.Has(RedisComponent.Sentinel))
                list.Add(context.CheckAsync(host, "sentinel", async (access, ct) =>
                {
                    var replies = await ProbeClients.RedisAsync(await ProbeKit.EndpointAsync(access, host, RedisComponent.SentinelPort, ct), null,
                        [["PING"], ["SENTINEL", "CKQUORUM", name], ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", name]], ct);
                    var master = ParseMasterAddress(replies[2]);
                    if (master is not null) named[host.Name] = master;
                    var quorum = replies[1];
                    return ProbeOutcome.When(replies[0].Text == "PONG" && !quorum.IsError && master is not null,
                        $"{(quorum.IsError ? "CKQUORUM failed: " : "")}{quorum.Text}; master {name} = {master ?? "(unknown)"}");
                }, cancellation));
            return list;
        });
        if (!context.ClusterChecks) return checks;

        if (data.Count > 0)
        {
            var masters = roles.Where(r => r.Value.IsMaster).Select(r => r.Key).Order(StringComparer.Ordinal).ToList();
            var master = masters.Count == 1 ? data.First(h => h.Name == masters[0]) : null;
            var masterAddress = master is null ? null : Address(master);
            var connected = roles.Count(r => r.Value.IsReplica && r.Value.LinkUp && r.Value.MasterAddress == masterAddress);
            checks.Add(context.Cluster("primary", ProbeOutcome.When(masters.Count == 1 && connected == data.Count - 1,
                masters.Count == 1
                    ? $"one master ({masters[0]} {masterAddress}); {connected} of {data.Count - 1} replicas connected to it"
                    : $"{masters.Count} masters ({string.Join(", ", masters)}); want exactly 1")));
            var sentinels = context.Members(RedisComponent.Sentinel);
            if (sentinels.Count > 0)
            {
                var agreeing = named.Count(n => n.Value == masterAddress);
                checks.Add(context.Cluster("sentinel master", ProbeOutcome.When(masterAddress is not null && agreeing == sentinels.Count,
                    $"{agreeing} of {sentinels.Count} Sentinels name {masterAddress ?? "no single master"}" +
                    (named.Values.Distinct().Count() > 1 ? $" (they name: {string.Join(", ", named.Values.Distinct().Order())})" : ""))));
            }
        }
        return checks;
    }

    private static string Address(Host host) => $"{host.Address}:{host.Port(RedisComponent.Server)}";
}

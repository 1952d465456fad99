using System.Globalization;

namespace Datalyptica.Components.Redis;

/// <summary>
/// The one reading of Redis's INFO replication (https://redis.io/docs/latest/commands/info/, "replication" section) and
/// the judgements made of it: verify's per-node role check, the rolling-restart gate (the server serves again) and the
/// failover drill's "every replica in sync". <see cref="Parse"/> accepts the text as redis-cli prints it or as the
/// bulk string of a RESP reply (CRLF lines).
/// </summary>
public sealed record RedisReplication(
    string Role, int ConnectedReplicas, long MasterReplOffset,
    string? MasterHost, int? MasterPort, string? LinkStatus, bool SyncInProgress, long? ReplicaOffset)
{
    public bool IsMaster => Role == "master";
    /// <summary>INFO says "slave" (every Redis up to 7.x); "replica" is accepted for forward compatibility.</summary>
    public bool IsReplica => Role is "slave" or "replica";
    public bool LinkUp => LinkStatus == "up";
    /// <summary>The master a replica follows as HOST:PORT, null for a master.</summary>
    public string? MasterAddress => IsReplica ? $"{MasterHost}:{MasterPort}" : null;

    /// <summary>Reads the replication section; anything without a role line (an error, a password prompt, garbage) is <see cref="InvalidDataException"/>.</summary>
    public static RedisReplication Parse(string info)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in info.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#') continue;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0) fields.TryAdd(line[..colon], line[(colon + 1)..]);
        }
        if (!fields.TryGetValue("role", out var role) || role.Length == 0)
            throw new InvalidDataException($"INFO replication has no role line: '{Shorten(info)}'");
        long? Long(string key) => fields.TryGetValue(key, out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
        return new RedisReplication(role, (int)Math.Max(0, Long("connected_slaves") ?? 0), Long("master_repl_offset") ?? -1,
            fields.GetValueOrDefault("master_host"), (int?)Long("master_port"), fields.GetValueOrDefault("master_link_status"),
            Long("master_sync_in_progress") is > 0, Long("slave_repl_offset"));
    }

    private static string Shorten(string text)
    {
        var one = text.ReplaceLineEndings(" ").Trim();
        return one.Length <= 80 ? one : one[..80] + "...";
    }

    /// <summary>
    /// A node serves: a master, or a replica whose link to its master is up (the rolling restart's gate and verify's
    /// per-node check). Null when it serves, else why not.
    /// </summary>
    public string? ServingProblem() =>
        IsMaster ? null
        : IsReplica ? (LinkUp ? null : $"replica of {MasterAddress}, link {LinkStatus ?? "unknown"}")
        : $"unexpected role {Role}";

    /// <summary>The rolling-restart gate's judge (<see cref="RedisComponent.ServerRolling"/>), by the id the plan names.</summary>
    public static readonly Contracts.OutputJudge ServingJudge = new("redis-replication", ServingProblem);

    /// <summary>The gate's judge: the output of `redis-cli info replication` on the restarted server.</summary>
    public static string? ServingProblem(string output)
    {
        try { return Parse(output).ServingProblem(); }
        catch (InvalidDataException e) { return e.Message; }
    }

    /// <summary>
    /// Whole: <paramref name="master"/> is a master with every expected replica connected, and each replica follows it
    /// with a live link at the master's offset. A replica that says "slave" may still be loading its first full sync: only
    /// a live link at the master's offset (read after the master's, so no newer writes are expected) counts as in sync.
    /// </summary>
    public static string? InSyncProblem(string masterName, string masterHost, RedisReplication master, IReadOnlyList<(string Name, RedisReplication Info)> replicas)
    {
        if (!master.IsMaster) return $"{masterName} is not a master";
        if (master.ConnectedReplicas != replicas.Count) return $"{masterName} has {master.ConnectedReplicas} replica(s), expected {replicas.Count}";
        foreach (var (name, replica) in replicas)
        {
            if (!replica.IsReplica) return $"{name} is not a replica";
            if (replica.MasterHost != masterHost) return $"{name} replicates from another master";
            if (!replica.LinkUp) return $"{name}: link to the master is down";
            if (replica.SyncInProgress) return $"{name}: full sync in progress";
            if ((replica.ReplicaOffset ?? -1) < master.MasterReplOffset) return $"{name} at offset {replica.ReplicaOffset ?? -1}, master at {master.MasterReplOffset}";
        }
        return null;
    }
}

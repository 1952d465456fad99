namespace Datalyptica.Components.Redis;

/// <summary>
/// SENTINEL MASTER's reply as redis-cli prints it to a pipe (field and value on alternate lines), cut to the fields that
/// are settings or settled state (the master's address, quorum, timeouts, how many replicas and Sentinels it knows, its
/// config epoch) and written as "field: value". Ping times, link counts and refresh ages change on every read and are
/// dropped, so two snapshots of a quiet Sentinel are equal (Redis Sentinel documentation, "Obtaining the state of a master").
/// </summary>
public static class SentinelState
{
    public static readonly IReadOnlyList<string> Fields =
    [
        "name", "ip", "port", "flags", "quorum", "num-slaves", "num-other-sentinels", "config-epoch",
        "down-after-milliseconds", "failover-timeout", "parallel-syncs",
    ];

    public static string Settled(string output)
    {
        var lines = output.Replace("\r", "").Split('\n');
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < lines.Length; i += 2) values.TryAdd(lines[i], lines[i + 1]);
        // Not field/value pairs (an error such as "ERR No such master with that name"): kept as it is, so it shows.
        if (!values.ContainsKey("name")) return output;
        return string.Concat(Fields.Where(values.ContainsKey).Select(f => $"{f}: {values[f]}\n"));
    }
}

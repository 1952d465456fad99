using System.Text.Json;
using Datalyptica.Contracts.Health;
using Datalyptica.Model;

namespace Datalyptica.Components.Patroni;

/// <summary>A Patroni member as GET /cluster reports it (Patroni 3.x, rest_api.rst).</summary>
public sealed record PatroniMember(string Name, string Host, string Role, string State, long? Lag = null)
{
    /// <summary>The member holding the leader key (a standby cluster's leader is "standby_leader").</summary>
    public bool IsLeader => Role is "leader" or "standby_leader";
    public bool IsSynchronousStandby => Role is "sync_standby" or "quorum_standby";
    /// <summary>PostgreSQL serves: a leader says "running", a replica "streaming" (or "running" on older Patroni).</summary>
    public bool Healthy => State is "running" or "streaming";
}

/// <summary>
/// The one reading of Patroni's GET /cluster and the one judgement of it: verify (<see cref="PatroniHealth"/>) and the
/// failover drills (<see cref="PatroniDrills"/>) both ask it whether the cluster is whole.
/// </summary>
public static class PatroniCluster
{
    /// <summary>What the site expects of the cluster: its members, and a synchronous standby count when it runs synchronously.</summary>
    public sealed record Expectation(IReadOnlyCollection<string> Members, bool Synchronous, int SyncCount);

    /// <summary>
    /// The site's expectation. Synchronous unless patroni_synchronous_mode is false (absent means synchronous, as rendered);
    /// a one-member cluster has no standby to wait for.
    /// </summary>
    public static Expectation Expect(Site site, IReadOnlyCollection<string> members)
    {
        // A standby cluster's members cascade from its standby leader asynchronously (Patroni: synchronous replication does
        // not apply to a standby cluster).
        return new Expectation(members, PatroniSettings.Synchronous(site) && members.Count > 1 && !PatroniStandbySite.IsStandby(site),
            PatroniSettings.SynchronousNodeCount.Read(site));
    }

    /// <summary>GET /cluster's members. Anything that is not a JSON object with a members list of named members is <see cref="InvalidDataException"/>.</summary>
    public static IReadOnlyList<PatroniMember> Parse(string json)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new InvalidDataException($"GET /cluster is not JSON: {e.Message}", e); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("members", out var members) || members.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException("GET /cluster has no members list");
            return members.EnumerateArray().Select(m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
                ? new PatroniMember(n.GetString()!, Text(m, "host"), Text(m, "role"), Text(m, "state"),
                    m.TryGetProperty("lag", out var l) && l.ValueKind == JsonValueKind.Number && l.TryGetInt64(out var lag) ? lag : null)
                : throw new InvalidDataException($"GET /cluster lists a member without a name: {m.GetRawText()}")).ToList();
        }
    }

    private static string Text(JsonElement member, string key) =>
        member.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    /// <summary>The cluster rules as outcomes: one leader, enough synchronous standbys, every expected member running.</summary>
    public static IEnumerable<(string Check, ProbeOutcome Outcome)> Judge(IReadOnlyList<PatroniMember> members, Expectation expected)
    {
        var leaders = members.Where(m => m.IsLeader).ToList();
        yield return ("leader", ProbeOutcome.When(leaders.Count == 1,
            leaders.Count == 1 ? $"one leader: {leaders[0].Name} ({leaders[0].State})" : $"{leaders.Count} leaders ({string.Join(", ", leaders.Select(l => l.Name))}); want exactly 1"));
        if (expected.Synchronous)
        {
            var sync = members.Where(m => m.IsSynchronousStandby).Select(m => m.Name).ToList();
            yield return ("sync standby", ProbeOutcome.When(sync.Count >= expected.SyncCount,
                sync.Count > 0 ? $"{string.Join(", ", sync)} (want {expected.SyncCount})" : $"no synchronous standby (want {expected.SyncCount}): commits wait or RPO 0 is lost"));
        }
        var configured = expected.Members;
        var running = members.Where(m => m.Healthy).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var absent = configured.Where(n => !running.Contains(n)).ToList();
        yield return ("members", ProbeOutcome.When(absent.Count == 0,
            $"{running.Count(configured.Contains)} of {configured.Count} running" + (absent.Count > 0
                ? $"; not running: {string.Join(", ", absent.Select(n => $"{n} ({members.FirstOrDefault(m => m.Name == n)?.State ?? "absent"})"))}" : "") +
            (members.Any(m => m.Lag > 0) ? $"; lag {string.Join(", ", members.Where(m => m.Lag > 0).Select(m => $"{m.Name} {m.Lag} B"))}" : "")));
    }

    /// <summary>Whole is every rule of <see cref="Judge"/> passing: null, or the failed rules in words.</summary>
    public static string? Problem(IReadOnlyList<PatroniMember> members, Expectation expected)
    {
        var failed = Judge(members, expected).Where(j => j.Outcome.Status != HealthStatus.Healthy).Select(j => $"{j.Check}: {j.Outcome.Detail}").ToList();
        return failed.Count == 0 ? null : string.Join("; ", failed);
    }
}

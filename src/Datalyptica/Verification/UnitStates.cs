namespace Datalyptica.Verification;

/// <summary>One systemd unit as <c>systemctl show</c> reports it.</summary>
public sealed record UnitState(string Unit, string LoadState, string ActiveState, string SubState)
{
    public bool Exists => LoadState is not ("not-found" or "");
    public bool Active => ActiveState == "active";
}

/// <summary>Reads every unit of a host with one <c>systemctl show</c> (read-only) and parses its blocks.</summary>
public static class UnitStates
{
    public static string Command(IEnumerable<string> units) =>
        "systemctl show --no-pager -p Id -p LoadState -p ActiveState -p SubState " +
        string.Join(' ', units.Select(u => Contracts.Hosts.RemoteCommand.Quote(HasSuffix(u) ? u : u + ".service")));

    /// <summary>A name systemd must not read as NAME.service: a service named so already, or a scheduled job's timer.</summary>
    private static bool HasSuffix(string unit) =>
        unit.EndsWith(".service", StringComparison.Ordinal) || unit.EndsWith(".timer", StringComparison.Ordinal);

    /// <summary>
    /// Blocks of KEY=VALUE lines separated by blank lines, one per unit in the order asked (so an alias such as chrony for
    /// chronyd keeps the name asked for); a block's Id names it when the counts differ.
    /// </summary>
    public static IReadOnlyDictionary<string, UnitState> Parse(string output, IReadOnlyList<string> asked)
    {
        var result = new Dictionary<string, UnitState>(StringComparer.Ordinal);
        var blocks = output.ReplaceLineEndings("\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < blocks.Length; i++)
        {
            var block = blocks[i];
            var props = block.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split('=', 2)).Where(kv => kv.Length == 2)
                .ToDictionary(kv => kv[0], kv => kv[1].Trim(), StringComparer.Ordinal);
            if (!props.TryGetValue("Id", out var id) || id.Length == 0) continue;
            var unit = blocks.Length == asked.Count ? asked[i]
                : id.EndsWith(".service", StringComparison.Ordinal) ? id[..^".service".Length] : id;
            result[unit] = new UnitState(unit, props.GetValueOrDefault("LoadState", ""), props.GetValueOrDefault("ActiveState", ""), props.GetValueOrDefault("SubState", ""));
        }
        return result;
    }
}

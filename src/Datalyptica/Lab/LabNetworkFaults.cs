using System.Text.RegularExpressions;
using Datalyptica.Engine.Repository;

namespace Datalyptica.Lab;

/// <summary>
/// Network faults on a running lab, for the partition drills: frames dropped at a host's port on the lab bridge (its
/// veth's host side), by one nftables table of the bridge family per lab. A real partition leaves the link up (a switch
/// port does not lose carrier), so nothing here takes a link down: keepalived would see its interface fail, which is
/// another fault. Healing deletes the table. `lab down` heals too. The host stays reachable through its console
/// (<see cref="RunOnConsoleAsync"/>: its namespaces entered from the control machine), as an operator's out-of-band console.
/// </summary>
public sealed partial class LabNetworkFaults(LabOptions options)
{
    /// <summary>The lab's fault table (bridge family): only letters, digits and '_' from the lab name.</summary>
    public string Table => "datalyptica_faults_" + new string(options.Name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());

    /// <summary>VRRP's IP protocol number (RFC 5798).</summary>
    public const int Vrrp = 112;

    /// <summary>
    /// Every frame between the host's port and the other ports of the bridge is dropped (other hosts, the VIPs it holds);
    /// with <paramref name="fromThisMachine"/> also those to and from the bridge's own address (SSH, the drill's clients).
    /// </summary>
    public async Task IsolateAsync(string host, bool fromThisMachine, CancellationToken cancellation)
    {
        var port = await PortAsync(host, cancellation);
        await ApplyAsync(IsolateRules(Table, port, fromThisMachine), cancellation);
    }

    /// <summary>Only IP packets of <paramref name="ipProtocol"/> (112: VRRP) between the host and the other lab hosts are dropped.</summary>
    public async Task BlockProtocolAsync(string host, int ipProtocol, CancellationToken cancellation)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ipProtocol);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ipProtocol, 255);
        var port = await PortAsync(host, cancellation);
        await ApplyAsync(ProtocolRules(Table, port, ipProtocol), cancellation);
    }

    /// <summary>Deletes the fault table; true when there was one (some fault was still in place).</summary>
    public async Task<bool> HealAsync(CancellationToken cancellation)
    {
        if (!await ExistsAsync(cancellation)) return false;
        await LabSystem.RunCheckedAsync("nft", ["delete", "table", "bridge", Table], cancellation);
        return true;
    }

    public async Task<bool> ExistsAsync(CancellationToken cancellation)
    {
        if (LabSystem.FindTool("nft") is null) return false; // no nftables here: no fault was ever put in place
        var tables = await LabSystem.RunCheckedAsync("nft", ["list", "tables", "bridge"], cancellation);
        return tables.Split('\n', StringSplitOptions.TrimEntries).Contains($"table bridge {Table}");
    }

    /// <summary>The chains (declared idempotently: a second fault adds rules to the same table) and the drop rules at one port.</summary>
    public static string IsolateRules(string table, string port, bool fromThisMachine) =>
        Chains(table) +
        $"add rule bridge {table} forward iifname \"{port}\" drop\n" +
        $"add rule bridge {table} forward oifname \"{port}\" drop\n" +
        (fromThisMachine
            ? $"add rule bridge {table} input iifname \"{port}\" drop\n" +
              $"add rule bridge {table} output oifname \"{port}\" drop\n"
            : "");

    public static string ProtocolRules(string table, string port, int ipProtocol) =>
        Chains(table) +
        $"add rule bridge {table} forward iifname \"{port}\" ip protocol {ipProtocol} drop\n" +
        $"add rule bridge {table} forward oifname \"{port}\" ip protocol {ipProtocol} drop\n";

    private static string Chains(string table) =>
        $"table bridge {table} {{\n" +
        "\tchain forward { type filter hook forward priority filter; policy accept; }\n" +
        "\tchain input { type filter hook input priority filter; policy accept; }\n" +
        "\tchain output { type filter hook output priority filter; policy accept; }\n" +
        "}\n";

    private static Task ApplyAsync(string ruleset, CancellationToken cancellation) =>
        LabSystem.RunCheckedAsync("sh", ["-c", "printf '%s' \"$1\" | nft -f -", "nft", ruleset], cancellation);

    /// <summary>
    /// The host side of the host's veth on the bridge. nspawn names it from the machine name and shortens long names, so it
    /// is found by index instead: the peer index of host0 inside the host (`host0@ifN`), then the interface with index N here.
    /// </summary>
    public async Task<string> PortAsync(string host, CancellationToken cancellation)
    {
        var init = RunningInit(host);
        var inside = await LabSystem.RunCheckedAsync("nsenter", ["-t", init.ToString(), "-n", "ip", "-o", "link", "show", "host0"], cancellation);
        var peer = PeerIndex().Match(inside);
        if (!peer.Success) throw new LabException($"host {host}: host0 names no peer interface ('{inside.Trim()}')");
        var here = await LabSystem.RunCheckedAsync("ip", ["-o", "link", "show"], cancellation);
        var port = here.Split('\n').Select(l => LinkLine().Match(l)).FirstOrDefault(m => m.Success && m.Groups["index"].Value == peer.Groups["index"].Value)?.Groups["name"].Value;
        if (port is null || !LabOptions.IsBridgeName(port))
            throw new LabException($"host {host}: no interface with index {peer.Groups["index"].Value} on this machine (its veth's bridge side)");
        return port;
    }

    /// <summary>
    /// Runs <paramref name="command"/> (sh) inside the host through its namespaces (mount and network), as an
    /// out-of-band console: it works while the host's network is cut.
    /// </summary>
    public async Task<ToolResult> RunOnConsoleAsync(string host, string command, TimeSpan timeout, CancellationToken cancellation) =>
        await LabSystem.RunAsync("nsenter", ["-t", RunningInit(host).ToString(), "-m", "-n", "--", "sh", "-c", command], cancellation, timeout);

    private int RunningInit(string host)
    {
        var state = LabState.Load(options.StateFile) ?? throw new LabException($"lab '{options.Name}' is not up ({options.StateFile} is missing).");
        var h = state.Hosts.FirstOrDefault(x => x.Name == host) ?? throw new LabException($"no host '{host}' in lab '{options.Name}'");
        if (!LabSystem.IsSame(h.InitPid, h.InitPidStart))
            throw new LabException($"lab host {host} is not running (its recorded init PID {h.InitPid} is gone). Fix: datalyptica lab status.");
        return h.InitPid!.Value;
    }

    [GeneratedRegex(@"^\d+:\s*host0@if(?<index>\d+):")]
    private static partial Regex PeerIndex();

    [GeneratedRegex(@"^(?<index>\d+):\s*(?<name>[^:@\s]+)(@[^:]*)?:")]
    private static partial Regex LinkLine();
}

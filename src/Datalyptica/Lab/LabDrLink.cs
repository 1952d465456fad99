namespace Datalyptica.Lab;

/// <summary>How a lab stands to its disaster-recovery peer, as its state file records it (`lab dr-link`).</summary>
public sealed record LabDrPeer(string Role, string Peer, string PeerBridge, string PeerSubnet)
{
    public const string PrimaryRole = "primary";
    public const string StandbyRole = "standby";

    /// <summary>The peer's first VIP (<see cref="LabManager.WriteSite"/> puts the VIPs on .100 and .101 of each bridge).</summary>
    public string PeerVip => $"{PeerSubnet}.100";
}

/// <summary>
/// Two labs as a primary and a standby site (`datalyptica lab dr-link --name STANDBY --primary PRIMARY`): a route between
/// their two bridges and nowhere else, and each lab's site rewritten: the primary admits the standby's subnet
/// (dr_standby_networks), the standby streams from the primary's VIP (site_role standby, dr_primary_address) with the
/// primary's PostgreSQL passwords (a standby is a physical copy: its roles are the primary's).
/// </summary>
public sealed class LabDrLink(LabOptions primary, LabOptions standby, Action<string>? log = null)
{
    private readonly Action<string> _log = log ?? (_ => { });

    /// <summary>The nftables table that allows forwarding between exactly these two bridges (one per pair).</summary>
    public static string TableName(string primaryLab, string standbyLab) =>
        "datalyptica_drlink_" + new string($"{primaryLab}_{standbyLab}".Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());

    /// <summary>
    /// Forwarding on the two bridges only (per-interface: net.ipv4.conf.BRIDGE.forwarding; the machine's ip_forward is not
    /// touched), and a forward chain that passes traffic among them and drops anything else that enters them. Among
    /// them includes each bridge to itself: where br_netfilter is loaded, frames bridged between one lab's own hosts pass
    /// this hook too (seen here: etcd peers of one lab timed out until they were allowed).
    /// </summary>
    public static string Ruleset(string table, string bridgeA, string bridgeB) =>
        $"table inet {table}\ndelete table inet {table}\n" +
        $"table inet {table} {{\n\tchain forward {{\n\t\ttype filter hook forward priority filter; policy accept;\n" +
        $"\t\tiifname {{ \"{bridgeA}\", \"{bridgeB}\" }} oifname {{ \"{bridgeA}\", \"{bridgeB}\" }} accept\n" +
        $"\t\tiifname {{ \"{bridgeA}\", \"{bridgeB}\" }} drop\n\t}}\n}}\n";

    /// <summary>A systemd-networkd drop-in for host0: the route to the peer lab through this lab's bridge address.</summary>
    public static string RouteDropIn(string peerSubnet, string bridgeAddress) =>
        $"# Written by datalyptica lab dr-link: the peer lab's bridge, through this lab's (and nowhere else).\n[Route]\nDestination={peerSubnet}.0/24\nGateway={bridgeAddress}\n";

    public const string RouteDropInPath = LabHostFiles.NetworkFile + ".d/50-dr-link.conf";

    public async Task LinkAsync(CancellationToken cancellation)
    {
        if (primary.Name == standby.Name) throw new LabException("a lab cannot be its own disaster-recovery peer: name two labs.");
        var primaryState = LabState.Load(primary.StateFile) ?? throw NotUp(primary);
        var standbyState = LabState.Load(standby.StateFile) ?? throw NotUp(standby);
        // The bridges go into a /proc path and an nftables ruleset: only interface names (the state file is root's, but still).
        foreach (var bridge in new[] { primaryState.Bridge, standbyState.Bridge }.Where(b => !LabOptions.IsBridgeName(b)))
            throw new LabException($"a lab state names bridge '{bridge}', which is not an interface name; not linking.");
        if (primaryState.Bridge == standbyState.Bridge || Subnet(primaryState) == Subnet(standbyState))
            throw new LabException($"labs '{primary.Name}' and '{standby.Name}' share a bridge or subnet; a DR pair needs two (lab up --bridge --subnet).");

        // Each lab as it was brought up (its bridge and subnet from its state, whatever options named it here).
        var (primaryLab, standbyLab) = (AsUp(primary, primaryState), AsUp(standby, standbyState));

        // A pair linked the other way round before (failback swaps the roles): its table goes, this one replaces it.
        await UnlinkAsync(primaryState, primary.Name, cancellation);
        await UnlinkAsync(standbyState, standby.Name, cancellation);
        foreach (var bridge in new[] { primaryState.Bridge, standbyState.Bridge })
            await File.WriteAllTextAsync($"/proc/sys/net/ipv4/conf/{bridge}/forwarding", "1\n", cancellation);
        await LabSystem.RunCheckedAsync("sh", ["-c", "printf '%s' \"$1\" | nft -f -", "nft",
            Ruleset(TableName(primary.Name, standby.Name), primaryState.Bridge, standbyState.Bridge)], cancellation);
        _log($"route between {primaryState.Bridge} and {standbyState.Bridge} only (nft table {TableName(primary.Name, standby.Name)})");

        await RouteAsync(primaryLab, primaryState, Subnet(standbyState), cancellation);
        await RouteAsync(standbyLab, standbyState, Subnet(primaryState), cancellation);

        primaryState = primaryState with { Dr = new LabDrPeer(LabDrPeer.PrimaryRole, standby.Name, standbyState.Bridge, Subnet(standbyState)) };
        standbyState = standbyState with { Dr = new LabDrPeer(LabDrPeer.StandbyRole, primary.Name, primaryState.Bridge, Subnet(primaryState)) };
        primaryState.Save(primary.StateFile);
        standbyState.Save(standby.StateFile);
        foreach (var (options, state) in new[] { (primaryLab, primaryState), (standbyLab, standbyState) })
        {
            var manager = new LabManager(options, _log);
            manager.WriteSite(state, state.Site ?? Path.Combine(options.LabDirectory, "site"), await LabRepository.EnsureAsync(options, _log, cancellation));
        }
    }

    /// <summary>The other lab's subnet through this lab's bridge address on every host: now (ip route) and after a reboot (networkd).</summary>
    private async Task RouteAsync(LabOptions options, LabState state, string peerSubnet, CancellationToken cancellation)
    {
        var manager = new LabManager(options, _log);
        foreach (var host in state.Hosts)
        {
            var dropIn = Path.Combine(options.MergedDirectory(host.Name), RouteDropInPath);
            Directory.CreateDirectory(Path.GetDirectoryName(dropIn)!);
            await File.WriteAllTextAsync(dropIn, RouteDropIn(peerSubnet, state.BridgeAddress), cancellation);
            await LabSystem.RunCheckedAsync("ssh", [.. manager.SshArguments(host.Name, ["ip", "route", "replace", $"{peerSubnet}.0/24", "via", state.BridgeAddress])], cancellation);
        }
    }

    /// <summary>Removes the pair's forward table (lab down of either lab; the bridges' forwarding goes with the bridges).</summary>
    public static async Task UnlinkAsync(LabState state, string labName, CancellationToken cancellation)
    {
        if (state.Dr is not { } dr) return;
        var table = dr.Role == LabDrPeer.PrimaryRole ? TableName(labName, dr.Peer) : TableName(dr.Peer, labName);
        var tables = await LabSystem.RunCheckedAsync("nft", ["list", "tables"], cancellation);
        if (tables.Contains($"inet {table}\n", StringComparison.Ordinal) || tables.TrimEnd().EndsWith($"inet {table}", StringComparison.Ordinal))
            await LabSystem.RunCheckedAsync("nft", ["delete", "table", "inet", table], cancellation);
    }

    private static LabOptions AsUp(LabOptions options, LabState state) => options with { Bridge = state.Bridge, Subnet = Subnet(state) };

    private static string Subnet(LabState state) => state.BridgeAddress[..state.BridgeAddress.LastIndexOf('.')];

    private static LabException NotUp(LabOptions options) =>
        new($"lab '{options.Name}' is not up ({options.StateFile} is missing). Fix: `datalyptica lab up --name {options.Name} --bridge BRIDGE --subnet A.B.C` first.");
}

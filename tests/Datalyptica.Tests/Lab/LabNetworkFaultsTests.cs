using Datalyptica.Lab;

namespace Datalyptica.Tests.Lab;

/// <summary>
/// The partition drills' nftables rulesets, checked by nft itself (`nft -c`: parsed and validated by the kernel's
/// nf_tables, nothing loaded) and by what they drop: every frame at the port for an isolation, only one IP protocol for a
/// VRRP cut, nothing anywhere else.
/// </summary>
public sealed class LabNetworkFaultsTests
{
    private static Datalyptica.Engine.Repository.ToolResult Check(string ruleset) =>
        LabSystem.RunAsync("sh", ["-c", "printf '%s' \"$1\" | nft -c -f -", "nft", ruleset], CancellationToken.None).GetAwaiter().GetResult();

    [Fact]
    public void The_isolation_drops_every_frame_in_and_out_of_the_port_on_all_three_bridge_hooks_and_nft_accepts_it()
    {
        var table = new LabNetworkFaults(new LabOptions { Name = "e2e-ha.core" }).Table;
        table.ShouldBe("datalyptica_faults_e2e_ha_core");
        var rules = LabNetworkFaults.IsolateRules(table, "vb-lab01", fromThisMachine: true);
        rules.ShouldContain($"add rule bridge {table} forward iifname \"vb-lab01\" drop");
        rules.ShouldContain($"add rule bridge {table} forward oifname \"vb-lab01\" drop");
        rules.ShouldContain($"add rule bridge {table} input iifname \"vb-lab01\" drop");   // to this machine (SSH, the drill client)
        rules.ShouldContain($"add rule bridge {table} output oifname \"vb-lab01\" drop");  // from this machine
        rules.Split('\n').Where(l => l.StartsWith("add rule")).ShouldAllBe(l => l.Contains("\"vb-lab01\""));
        if (LabSystem.IsRoot() && LabSystem.FindTool("nft") is not null)
            Check(rules).ExitCode.ShouldBe(0, Check(rules).Stderr);
        // Cut from the other hosts only: this machine (a client on the host's side of the partition) still reaches it.
        var partial = LabNetworkFaults.IsolateRules(table, "vb-lab01", fromThisMachine: false);
        partial.Split('\n').Where(l => l.StartsWith("add rule")).ShouldBe([
            $"add rule bridge {table} forward iifname \"vb-lab01\" drop", $"add rule bridge {table} forward oifname \"vb-lab01\" drop"]);
    }

    [Fact]
    public void The_vrrp_cut_drops_only_ip_protocol_112_between_hosts_and_nft_accepts_it()
    {
        var rules = LabNetworkFaults.ProtocolRules("datalyptica_faults_default", "vb-lab02", LabNetworkFaults.Vrrp);
        rules.Split('\n').Where(l => l.StartsWith("add rule")).ShouldBe([
            "add rule bridge datalyptica_faults_default forward iifname \"vb-lab02\" ip protocol 112 drop",
            "add rule bridge datalyptica_faults_default forward oifname \"vb-lab02\" ip protocol 112 drop"]);
        if (LabSystem.IsRoot() && LabSystem.FindTool("nft") is not null)
            Check(rules).ExitCode.ShouldBe(0, Check(rules).Stderr);
    }
}

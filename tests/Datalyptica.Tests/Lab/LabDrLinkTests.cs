using Datalyptica.Lab;
using Datalyptica.Tests.Cli;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Lab;

/// <summary>The route between two DR labs: exactly their two bridges, accepted by nftables, and a networkd route that survives a boot.</summary>
public class LabDrLinkTests
{
    [Fact]
    public void The_forward_ruleset_passes_only_between_the_two_bridges_and_nftables_accepts_it()
    {
        var table = LabDrLink.TableName("dr-a", "dr-b");
        table.ShouldBe("datalyptica_drlink_dr_a_dr_b");
        var rules = LabDrLink.Ruleset(table, "dl-dra0", "dl-drb0");
        // Each way, and each bridge to itself (bridged frames pass the forward hook where br_netfilter is loaded).
        rules.ShouldContain("iifname { \"dl-dra0\", \"dl-drb0\" } oifname { \"dl-dra0\", \"dl-drb0\" } accept");
        rules.ShouldContain("iifname { \"dl-dra0\", \"dl-drb0\" } drop", customMessage: "anything else entering either bridge is not forwarded");
        // Policy accept: other forwarding on the machine (not ours) is left alone.
        rules.ShouldContain("policy accept;");
        var file = Path.Combine(Directory.CreateTempSubdirectory("dl-drlink-").FullName, "link.nft");
        try
        {
            File.WriteAllText(file, rules);
            // A fresh network namespace: the check needs CAP_NET_ADMIN but must not touch this machine's ruleset.
            var check = Tool.Run("unshare", ["-n", Tool.Resolve("nft"), "-c", "-f", file]);
            check.ExitCode.ShouldBe(0, check.Output);
        }
        finally { Directory.Delete(Path.GetDirectoryName(file)!, true); }
    }

    [Fact]
    public void Lab_names_become_one_nftables_identifier()
    {
        LabDrLink.TableName("east.1", "west 2").ShouldBe("datalyptica_drlink_east_1_west_2");
    }

    [Fact]
    public void Each_host_routes_the_peer_subnet_through_its_own_bridge_address_after_a_boot_too()
    {
        var dropIn = LabDrLink.RouteDropIn("10.77.91", "10.77.90.1");
        dropIn.ShouldContain("[Route]\nDestination=10.77.91.0/24\nGateway=10.77.90.1\n");
        LabDrLink.RouteDropInPath.ShouldStartWith(LabHostFiles.NetworkFile + ".d/");
        new LabDrPeer(LabDrPeer.StandbyRole, "dr-a", "dl-dra0", "10.77.90").PeerVip.ShouldBe("10.77.90.100");
    }

    [Theory]
    [InlineData("--name", "../../etc")]
    [InlineData("--name", "Dr B")]
    [InlineData("--bridge", "br\"0")]
    [InlineData("--bridge", "../all")]
    [InlineData("--bridge", "a-name-longer-than-15")]
    public void Lab_names_and_bridges_that_could_leave_their_folder_or_break_a_ruleset_are_refused(string option, string value)
    {
        var result = CliRunner.Run("lab", "status", option, value);
        result.ExitCode.ShouldBe(64, result.All);
        result.Err.ShouldContain($"{option} '{value}'");
    }

    [Fact]
    public void The_primary_of_a_link_is_another_lab_with_a_lab_name()
    {
        CliRunner.Run("lab", "dr-link", "--name", "dr-b", "--primary", "dr-b").Err.ShouldContain("another lab");
        CliRunner.Run("lab", "dr-link", "--name", "dr-b", "--primary", "../x").Err.ShouldContain("not a lab name");
        CliRunner.Run("lab", "dr-link", "--name", "dr-b").Err.ShouldContain("--primary LAB is required");
    }
}

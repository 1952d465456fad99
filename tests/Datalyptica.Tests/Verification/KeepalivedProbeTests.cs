using System.Net;
using Datalyptica.Contracts.Health;
using Datalyptica.Model;

namespace Datalyptica.Tests.Verification;

/// <summary>The VIP check runs the real `ip -o addr show` on this machine (loopback holds 127.0.0.1, nothing holds 127.0.0.77).</summary>
public class KeepalivedProbeTests
{
    private static Site WithVip(string address, int hosts) => LoopbackSite.Of("vt",
        Enumerable.Range(1, hosts).Select(i => LoopbackSite.Host($"lb{i}", ["haproxy", "keepalived"])),
        [new Vip("main", IPAddress.Parse(address), 8, 51, "keepalived")]);

    [Fact]
    public void One_holder_is_healthy_none_and_two_are_failures_that_say_so()
    {
        var one = LoopbackSite.Verify(WithVip("127.0.0.1", 1), LoopbackSite.Options("keepalived"));
        one.Check("lb1", "vip main").Detail.ShouldBe("holds 127.0.0.1");
        one.Check("cluster", "vip main").Status.ShouldBe(HealthStatus.Healthy);

        var none = LoopbackSite.Verify(WithVip("127.0.0.77", 2), LoopbackSite.Options("keepalived"));
        none.Check("lb1", "vip main").Detail.ShouldBe("backup");
        none.Check("cluster", "vip main").Detail.ShouldBe("127.0.0.77 held by no host: clients of the VIP have no service");

        // Both "hosts" are this machine, so both hold it: the split-brain case.
        var two = LoopbackSite.Verify(WithVip("127.0.0.1", 2), LoopbackSite.Options("keepalived"));
        two.Check("cluster", "vip main").Status.ShouldBe(HealthStatus.Failed);
        two.Check("cluster", "vip main").Detail.ShouldBe("127.0.0.1 held by 2 hosts (lb1, lb2): split brain");
    }
}

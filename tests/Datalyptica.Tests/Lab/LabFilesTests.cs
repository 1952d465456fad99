using Datalyptica.Lab;

namespace Datalyptica.Tests.Lab;

/// <summary>What makes the host-neutral image into one lab host, and the state file: no root needed.</summary>
public sealed class LabFilesTests
{
    private static readonly LabHostSpec Host = new("lab02", "10.77.0.12",
        [("lab01", "10.77.0.11"), ("lab02", "10.77.0.12"), ("lab03", "10.77.0.13")], "10.77.0.1");

    [Fact]
    public void Network_file_gives_host0_a_static_address_with_no_gateway_and_no_router_advertisements()
    {
        var text = LabHostFiles.Network(Host);
        text.ShouldContain("[Match]\nName=host0\n");
        text.ShouldContain("Address=10.77.0.12/24\n");
        text.ShouldContain("IPv6AcceptRA=no\n");
        text.Split('\n').ShouldNotContain(l => l.StartsWith("Gateway", StringComparison.Ordinal) || l.StartsWith("DHCP", StringComparison.Ordinal));
        // Sorts before the distro's 80-container-host0.network, so it wins.
        string.CompareOrdinal(Path.GetFileName(LabHostFiles.NetworkFile), "80-container-host0.network").ShouldBeLessThan(0);
    }

    [Fact]
    public void Hostname_hosts_and_resolv_conf_name_the_lab_and_nothing_outside_it()
    {
        LabHostFiles.Hostname(Host).ShouldBe("lab02\n");
        var hosts = LabHostFiles.Hosts(Host);
        hosts.ShouldStartWith("127.0.0.1\tlocalhost\n");
        hosts.ShouldContain("10.77.0.11\tlab01.lab.datalyptica.internal lab01\n");
        hosts.ShouldContain("10.77.0.12\tlab02.lab.datalyptica.internal lab02\n");
        hosts.ShouldContain("10.77.0.13\tlab03.lab.datalyptica.internal lab03\n");
        hosts.ShouldContain("10.77.0.1\tlab-control s3.lab.datalyptica.internal\n");
        hosts.Split('\n').Count(l => l.EndsWith(" lab02", StringComparison.Ordinal)).ShouldBe(1);
        var resolv = LabHostFiles.ResolvConf();
        resolv.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldAllBe(l => l.StartsWith('#'));
    }

    [Fact]
    public void Render_writes_every_identity_file_and_each_host_gets_its_own_machine_id()
    {
        LabHostFiles.Render(Host).Keys.ShouldBe(
            ["etc/hostname", "etc/hosts", "etc/resolv.conf", LabHostFiles.NetworkFile, "etc/ssh/sshd_config.d/10-datalyptica-lab.conf"],
            ignoreOrder: true);
        var a = LabHostFiles.NewMachineId();
        a.ShouldMatch("^[0-9a-f]{32}\n$");
        LabHostFiles.NewMachineId().ShouldNotBe(a);
    }

    [Fact]
    public void Known_hosts_line_names_host_and_address_and_drops_the_comment()
    {
        LabHostFiles.KnownHostsLine(Host, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample root@lab02\n")
            .ShouldBe("lab02,10.77.0.12 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample\n");
        Should.Throw<InvalidDataException>(() => LabHostFiles.KnownHostsLine(Host, "garbage"));
    }

    [Fact]
    public void State_file_round_trips()
    {
        var state = new LabState("default", "dl-lab0", "10.77.0.1", "/var/lib/datalyptica/lab/images/bookworm-abc",
        [
            new LabHostState("lab01", "10.77.0.11") { Pid = 123, PidStart = 456, InitPid = 124, InitPidStart = 457 },
            new LabHostState("lab02", "10.77.0.12"),
        ]) { Site = "/tmp/site" };
        var dir = Directory.CreateTempSubdirectory("lab-state-");
        try
        {
            var path = Path.Combine(dir.FullName, "state.json");
            state.Save(path);
            var back = LabState.Load(path).ShouldNotBeNull();
            back.Name.ShouldBe("default");
            back.Bridge.ShouldBe("dl-lab0");
            back.Image.ShouldBe(state.Image);
            back.Site.ShouldBe("/tmp/site");
            back.Created.ShouldBe(state.Created);
            back.Hosts.ShouldBe(state.Hosts);
            LabState.Load(Path.Combine(dir.FullName, "missing.json")).ShouldBeNull();
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void Image_key_follows_suite_and_package_list_and_is_stable()
    {
        LabImage.Key("bookworm").ShouldBe(LabImage.Key("bookworm"));
        LabImage.Key("bookworm").ShouldStartWith("bookworm-");
        LabImage.Key("trixie").ShouldNotBe(LabImage.Key("bookworm")[..]);
        LabImage.Packages.ShouldContain("openssh-server");
        LabImage.Packages.ShouldContain("systemd-sysv");
    }

    [Fact]
    public void Options_place_hosts_on_the_lab_subnet_from_11()
    {
        var options = new LabOptions();
        LabOptions.HostName(0).ShouldBe("lab01");
        options.HostAddress(0).ToString().ShouldBe("10.77.0.11");
        options.HostAddress(2).ToString().ShouldBe("10.77.0.13");
        options.BridgeAddress.ShouldBe("10.77.0.1");
        options.LabDirectory.ShouldBe("/var/lib/datalyptica/lab/default");
    }
}
